"""`manage.py create_buckets`: create the object store's buckets named by STORAGE_S3_* (if missing), private."""

import time

from django.core.management.base import BaseCommand, CommandError

from core.storage import PrivateStorage, SwitchingStorage, s3_configured, store_errors


class Command(BaseCommand):
    help = (
        "Create the evidence bucket and the private bucket of the object store (STORAGE_S3_*) unless they exist. "
        "They are created private: files are served only through the application's checking view."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait", type=int, default=0, help="Seconds to keep trying while the store does not answer yet."
        )

    def handle(self, *args, wait=0, **options):
        if not s3_configured():
            raise CommandError(
                "No object store is configured (STORAGE_S3_ENDPOINT_URL, _BUCKET, _ACCESS_KEY, _SECRET_KEY)."
            )
        stores = {store.bucket_name: store for store in (SwitchingStorage().s3(), PrivateStorage().s3())}
        deadline = time.monotonic() + wait
        for name, store in stores.items():
            while True:
                try:
                    client = store.connection.meta.client
                    existing = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}
                    if name not in existing:
                        client.create_bucket(Bucket=name)
                    # A write shows that the store can take files, not only answer.
                    client.put_object(Bucket=name, Key=".probe", Body=b"")
                    client.delete_object(Bucket=name, Key=".probe")
                    break
                except store_errors() as error:
                    if time.monotonic() >= deadline:
                        raise CommandError(f"The object store did not answer: {error}") from error
                    time.sleep(1)
            self.stdout.write(f"Bucket {name} is ready.")
