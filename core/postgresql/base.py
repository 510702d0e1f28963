"""Django's PostgreSQL backend, with bulk statements cut to the protocol's limit of parameters.

With parameters bound on the server (settings.DB_PREPARED_STATEMENTS), one statement takes at most 65,535 of them,
where a statement with its values in its text has no such limit: Django's own backend sends a `bulk_create`,
`bulk_update` or a deletion's batch in one statement however many records it holds (generate_data's 5,000
testimonies of 29 columns failed).
"""

from django.db.backends.postgresql import base, operations

# The extended query protocol counts a statement's parameters in 16 bits.
MAX_BOUND_PARAMETERS = 65_535


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        if not self.connection.settings_dict["OPTIONS"].get("server_side_binding"):
            return super().bulk_batch_size(fields, objs)
        # Twice the fields Django counts per record: bulk_update binds two parameters per field (WHEN pk, THEN
        # value) where it counts one.
        return max(1, MAX_BOUND_PARAMETERS // (2 * max(1, len(fields))))


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
