"""`manage.py create_database`: create the PostgreSQL database that DATABASE_URL names, if it does not exist yet."""

from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = (
        "Create the PostgreSQL database that DATABASE_URL names unless it exists (on SQLite, `migrate` creates the "
        "file itself). The user of DATABASE_URL needs the CREATEDB privilege."
    )
    # The checks may read the database, which does not exist yet.
    requires_system_checks = []

    def handle(self, *args, **options):
        name = connection.settings_dict["NAME"]
        if connection.vendor != "postgresql":
            self.stdout.write(f"{connection.vendor} needs no database created: nothing to do.")
            return
        # Django's own way onto the server without the database (the `postgres` maintenance database), as its test
        # runner creates the test database.
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                self.stdout.write(f"Database {name} exists.")
                return
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
        self.stdout.write(f"Database {name} is created.")
