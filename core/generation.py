"""The publication generation: one number that every write to this project's records moves on (core.models).

Database triggers, installed after every `migrate` on each table of the project's apps (their history tables
excepted), bump it in the writing transaction: a reader sees the new number only together with the new data.
`cached(key, compute)` keeps a value computed from public records under the current generation, `cached_many` a
set of them computed together.
"""

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, router

from .apps import project_app_configs
from .models import PublicationGeneration

TABLE = PublicationGeneration._meta.db_table
BUMP_FUNCTION = "core_bump_publication_generation"
# The table name is this project's own, never input.
UPSERT = f"INSERT INTO {TABLE} (id, value) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET value = {TABLE}.value + 1"  # noqa: S608, E501
# How long a cached value may wait unused; a newer generation replaces it anyway.
CACHE_SECONDS = 24 * 60 * 60


def current_generation(using: str | None = None) -> int:
    """The generation as committed (a missing row, after a flush, reads as 0 until the next write), read where the
    records are read (a reader's request reads a read replica, core.replicas): the page or value kept under it is
    computed from the same database."""
    using = using or router.db_for_read(PublicationGeneration)
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")  # noqa: S608 - a fixed table name
        row = cursor.fetchone()
    return row[0] if row else 0


def cached(key: str, compute, using: str | None = None, seconds: int = CACHE_SECONDS):
    """`compute()`, computed once per publication generation (and `key`), and at least every `seconds` for a value
    that also changes without a write."""
    full_key = f"public:{current_generation(using)}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, seconds)
    return value


def cached_many(keys: list[str], compute_missing, using: str | None = None) -> dict:
    """{key: value} for each of `keys`, kept per publication generation like `cached`: the keys not in the cache are
    computed together, by one call of `compute_missing(missing keys)` returning {key: value} for each of them."""
    prefix = f"public:{current_generation(using)}:"
    found = cache.get_many([prefix + key for key in keys])
    values = {key: found[prefix + key] for key in keys if prefix + key in found}
    missing = [key for key in keys if key not in values]
    if missing:
        computed = compute_missing(missing)
        cache.set_many({prefix + key: computed[key] for key in missing}, CACHE_SECONDS)
        values.update(computed)
    return values


def watched_tables() -> list[str]:
    """The tables whose writes can change what the public sees: every concrete table of the project's apps,
    many-to-many tables included, history tables (written with their records) and this one's excepted."""
    tables = set()
    for config in project_app_configs():
        for model in config.get_models(include_auto_created=True):
            opts = model._meta
            if opts.proxy or not opts.managed or model is PublicationGeneration:
                continue
            if getattr(model, "instance_type", None) is not None:  # a django-simple-history table
                continue
            tables.add(opts.db_table)
    return sorted(tables)


def install_triggers(using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Make sure every watched table bumps the generation on each write (idempotent; run after migrate)."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if TABLE not in existing:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {BUMP_FUNCTION}() RETURNS trigger AS $$ "
                f"BEGIN {UPSERT}; RETURN NULL; END $$ LANGUAGE plpgsql"
            )
            for table in watched_tables():
                if table in existing:
                    cursor.execute(
                        f"CREATE OR REPLACE TRIGGER {table}_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {BUMP_FUNCTION}()"
                    )
        elif connection.vendor == "sqlite":
            for table in watched_tables():
                if table not in existing:
                    continue
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_generation_{event.lower()} AFTER {event} ON {table} "
                        f"BEGIN {UPSERT}; END"
                    )
