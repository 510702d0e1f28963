"""Corroboration computed, not typed: the number of independent sources behind each testimony, on its page, in the
API, in the export, as a filter, and a warning in the admin where the curators' label claims more; and behind each
site–unit link."""

import csv
import io

import pytest
from django.urls import reverse

from core.curation import PublicationStatus
from sites.models import SiteUnit
from testimonies.models import Testimony
from tests.factories import (
    CitationFactory,
    PublicationFactory,
    SiteFactory,
    SiteUnitFactory,
    SourceFactory,
    TestimonyFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources():
    astra, raam, get_lost = (SourceFactory(slug=slug) for slug in ("astra", "raam", "get-lost"))
    finding = PublicationFactory(source=astra, title="ASTRA's finding")
    report = PublicationFactory(source=raam, title="Raam reports ASTRA")
    report.cites.add(finding)
    return {
        "astra": astra,
        "finding": finding,
        "second_finding": PublicationFactory(source=astra),
        "report": report,
        "statement": PublicationFactory(source=get_lost),
    }


def cited(*publications, **fields) -> Testimony:
    testimony = TestimonyFactory(**fields)
    for publication in publications:
        CitationFactory(testimony=testimony, publication=publication)
    return testimony


def count(testimony) -> int:
    return Testimony.objects.with_corroboration().get(pk=testimony.pk).independent_sources


def test_independent_sources_are_counted(sources):
    assert count(cited()) == 0
    assert count(cited(sources["finding"])) == 1
    assert count(cited(sources["finding"], sources["second_finding"])) == 1, "two articles of one source"
    assert count(cited(sources["report"], sources["finding"])) == 1, "Raam reporting ASTRA's finding is one source"
    assert count(cited(sources["report"], sources["second_finding"])) == 1, "it reports ASTRA, also cited"
    assert count(cited(sources["report"])) == 1
    assert count(cited(sources["finding"], sources["statement"])) == 2
    assert count(cited(sources["report"], sources["finding"], sources["statement"])) == 2


def test_sources_citing_each_other_count_once(sources):
    sources["finding"].cites.add(sources["report"])
    assert count(cited(sources["report"], sources["finding"])) == 1


def test_hidden_publications_and_sources_are_not_counted(sources):
    testimony = cited(sources["finding"], sources["statement"])
    sources["statement"].source.status = PublicationStatus.DRAFT
    sources["statement"].source.save()
    assert count(testimony) == 1


def test_the_count_is_on_the_page_in_the_api_and_in_the_export(client, sources):
    testimony = cited(sources["finding"], sources["statement"])
    page = client.get(testimony.get_absolute_url())
    assert page.context["testimony"].independent_sources == 2
    assert "Independent sources" in page.content.decode()
    assert client.get(f"/api/testimonies/{testimony.public_id}/").json()["independent_sources"] == 2
    body = b"".join(client.get(reverse("testimonies:testimony_export")).streaming_content).decode()
    (row,) = csv.DictReader(io.StringIO(body, newline=""))
    assert row["independent_sources"] == "2"


def test_filter_corroborated_by_at_least_n_sources(client, sources):
    two = cited(sources["finding"], sources["statement"])
    one = cited(sources["report"], sources["finding"])
    none = cited()
    listed = client.get(reverse("testimonies:testimony_list"), {"min_sources": 2}).context["object_list"]
    assert [testimony.pk for testimony in listed] == [two.pk]
    listed = client.get(reverse("testimonies:testimony_list"), {"min_sources": 1}).context["object_list"]
    assert {testimony.pk for testimony in listed} == {two.pk, one.pk}
    assert client.get("/api/testimonies/", {"min_sources": 1}).json()["count"] == 2
    assert none.pk not in [t["id"] for t in client.get("/api/testimonies/", {"min_sources": 1}).json()["results"]]
    assert client.get(reverse("testimonies:testimony_export"), {"min_sources": "many"}).status_code == 400


def test_the_admin_warns_where_the_label_claims_more_than_the_count(client, sources):
    client.force_login(UserFactory(is_superuser=True))
    overstated = cited(sources["report"], sources["finding"], verification=Testimony.Verification.CORROBORATED)
    borne_out = cited(sources["finding"], sources["statement"], verification=Testimony.Verification.CORROBORATED)
    warning = (
        "The verification says “corroborated by several independent sources”, but the citations rest on 1 "
        "independent source(s)."
    )
    page = client.get(reverse("admin:testimonies_testimony_change", args=[overstated.pk]))
    assert warning in page.content.decode()
    page = client.get(reverse("admin:testimonies_testimony_change", args=[borne_out.pk]))
    assert "independent source(s)" not in page.content.decode()
    changelist = client.get(reverse("admin:testimonies_testimony_changelist")).content.decode()
    assert changelist.count("fewer than the label says") == 1


def test_a_site_unit_link_counts_the_independent_sources_of_every_role(client):
    """The same unit at the same site in two roles, reported by ASTRA and by Raam: two sources, shown on both pages and
    in sites.csv beside each link. A third publication that merely reports ASTRA's adds none, and a hidden
    publication counts for nothing."""
    astra, raam, echo = (SourceFactory(slug=slug) for slug in ("astra", "raam", "echo"))
    finding = PublicationFactory(source=astra)
    report = PublicationFactory(source=raam)
    retelling = PublicationFactory(source=echo)
    retelling.cites.add(finding)
    hidden = PublicationFactory(source=SourceFactory(slug="hidden"), status=PublicationStatus.DRAFT)
    site, unit = SiteFactory(slug="mine"), UnitFactory(slug="brigade")
    SiteUnitFactory(site=site, unit=unit, role=SiteUnit.Role.OPERATED, publication=finding)
    SiteUnitFactory(site=site, unit=unit, role=SiteUnit.Role.GUARDED, publication=report)
    SiteUnitFactory(site=site, unit=unit, role=SiteUnit.Role.HELD_SOLDIERS_OF, publication=retelling)
    other = UnitFactory(slug="other")
    SiteUnitFactory(site=site, unit=other, role=SiteUnit.Role.OPERATED, publication=hidden)

    counts = dict(
        SiteUnit.objects.public().with_corroboration().values_list("role", "independent_sources").filter(unit=unit)
    )
    assert counts == {"operated": 2, "guarded": 2, "held_soldiers_of": 2}
    assert SiteUnit.objects.with_corroboration().get(unit=other).independent_sources == 0
    for page in (site.get_absolute_url(), unit.get_absolute_url()):
        html = client.get(page).content.decode()
        assert "2 independent sources link this unit to this site" in html, page
    api_site = client.get(reverse("sites:api_sites_detail", args=[site.slug])).json()
    assert {link["unit"]["slug"]: link["independent_sources"] for link in api_site["units"]} == {
        "brigade": 2,
        "other": 0,
    }
    api_unit = client.get(reverse("units:api_units_detail", args=[unit.slug])).json()
    assert {link["independent_sources"] for link in api_unit["sites"]} == {2}
    (row,) = csv.DictReader(io.StringIO(b"".join(client.get(reverse("sites:site_export")).streaming_content).decode()))
    sources = dict(zip(row["unit_roles"].split("; "), row["unit_independent_sources"].split("; "), strict=True))
    assert sources == {
        "brigade:guarded": "2",
        "brigade:held_soldiers_of": "2",
        "brigade:operated": "2",
        "other:operated": "0",
    }


def test_a_links_count_is_of_sources_and_only_citations_of_another_of_them_leave_one_out():
    """Two links resting on two articles of one source count one source; a publication that cites its own source's
    earlier article, or a source that backs no link of the pair, still counts (it reports none of the others); two
    sources that only cite each other count as one."""
    astra, raam = SourceFactory(slug="astra"), SourceFactory(slug="raam")
    finding, second_finding = PublicationFactory(source=astra), PublicationFactory(source=astra)
    finding.cites.add(PublicationFactory(source=astra, title="ASTRA's earlier note"))
    report = PublicationFactory(source=raam)
    report.cites.add(PublicationFactory(source=SourceFactory(slug="elsewhere"), title="Backs no link of the pair"))
    echo, mirror = PublicationFactory(source=SourceFactory(slug="echo")), PublicationFactory(source=SourceFactory())
    echo.cites.add(mirror)
    mirror.cites.add(echo)
    site, twice_by_astra, by_both, by_each_other = SiteFactory(), UnitFactory(), UnitFactory(), UnitFactory()
    SiteUnitFactory(site=site, unit=twice_by_astra, role=SiteUnit.Role.OPERATED, publication=finding)
    SiteUnitFactory(site=site, unit=twice_by_astra, role=SiteUnit.Role.GUARDED, publication=second_finding)
    SiteUnitFactory(site=site, unit=by_both, role=SiteUnit.Role.OPERATED, publication=finding)
    SiteUnitFactory(site=site, unit=by_both, role=SiteUnit.Role.GUARDED, publication=report)
    SiteUnitFactory(site=site, unit=by_each_other, role=SiteUnit.Role.OPERATED, publication=echo)
    SiteUnitFactory(site=site, unit=by_each_other, role=SiteUnit.Role.GUARDED, publication=mirror)

    counts = {
        (link.unit_id, link.role): link.independent_sources
        for link in SiteUnit.objects.public().with_corroboration().filter(site=site)
    }
    assert counts == {
        (twice_by_astra.pk, "operated"): 1,
        (twice_by_astra.pk, "guarded"): 1,
        (by_both.pk, "operated"): 2,
        (by_both.pk, "guarded"): 2,
        (by_each_other.pk, "operated"): 1,
        (by_each_other.pk, "guarded"): 1,
    }


def test_the_counts_per_number_of_sources_agree_with_each_testimonys_count(sources):
    """The overview's chart counts in one grouped query (testimonies.models.independent_sources_counts) what each
    testimony's `independent_sources` says, hidden publications and sources citing each other included."""
    from collections import Counter

    from testimonies.models import independent_sources_counts

    cited()
    cited(sources["finding"])
    cited(sources["finding"], sources["second_finding"])
    cited(sources["report"], sources["finding"])
    cited(sources["report"], sources["second_finding"])
    cited(sources["finding"], sources["statement"])
    cited(sources["report"], sources["finding"], sources["statement"])
    cited(PublicationFactory(status=PublicationStatus.DRAFT), sources["statement"], sources["finding"])
    cited(sources["statement"], status=PublicationStatus.DRAFT)
    public = Testimony.objects.public()
    expected = Counter(public.with_corroboration().values_list("independent_sources", flat=True))
    assert independent_sources_counts(public) == dict(expected) == {0: 1, 1: 4, 2: 3}
    assert independent_sources_counts(public.filter(pk__in=[])) == {}
    sources["finding"].cites.add(sources["report"])
    expected = Counter(public.with_corroboration().values_list("independent_sources", flat=True))
    assert independent_sources_counts(public) == dict(expected)


def test_the_count_is_computed_for_a_testimony_s_page_not_for_lists():
    # A subquery per row: the lists (and the testimonies of a site's or unit's page) do not show the count.
    assert "independent_sources" not in Testimony.objects.for_public_list().query.annotations
    assert "independent_sources" in Testimony.objects.for_public_detail().query.annotations
