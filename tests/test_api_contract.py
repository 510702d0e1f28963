"""The JSON API keeps the contract its OpenAPI schema states: schemathesis generates requests from /api/schema/
(valid and invalid parameters, identifiers, pages) and checks every answer against it (status codes, content types,
headers, response bodies, no server error). A bounded run with a fixed seed, so that CI is repeatable; run it longer
with `SCHEMATHESIS_EXAMPLES=200 make test`."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.factories import (
    AbuseTypeFactory,
    CitationFactory,
    PersonFactory,
    PostingFactory,
    PublicationFactory,
    SiteFactory,
    SiteUnitFactory,
    SourceFactory,
    TestimonyFactory,
    UnitFactory,
)

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))


@pytest.fixture
def api_schema(db):
    """The schema as the app serves it, called in-process through its WSGI application, over a small public world
    (one record of each kind, linked) and one hidden testimony."""
    brigade = UnitFactory(slug="brigade")
    UnitFactory(slug="battalion", parent=brigade)
    site = SiteFactory(slug="mine", latitude=48.0, longitude=37.8)
    SiteUnitFactory(site=site, unit=brigade)
    testimony = TestimonyFactory(sites=[site], units=[brigade], abuse_types=[AbuseTypeFactory(slug="beating")])
    CitationFactory(testimony=testimony, publication=PublicationFactory(source=SourceFactory(slug="astra")))
    PostingFactory(unit=brigade, person=PersonFactory(slug="korchagin"))
    TestimonyFactory(status="draft", sites=[site])
    # As Django's test client does: a request must not close the test's database connection (on PostgreSQL,
    # with CONN_MAX_AGE, close_old_connections would end the test's transaction after the first call).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_api_keeps_the_contract_of_its_schema(api_schema):
    # schemathesis's own pytest integration does not run under pytest 9 ("'Function' object has no attribute
    # '_nodeid'"): each operation's strategy is run by Hypothesis here instead, with the same checks.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @seed(20261130)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=operation.as_strategy())
        def call_and_validate(case):
            case.call_and_validate()

        call_and_validate()
