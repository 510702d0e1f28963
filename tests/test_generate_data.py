"""The synthetic data generator used by the benchmarks."""

import io

import pytest
from django.core.management import call_command

from sites.models import Site, SiteUnit
from testimonies.models import AbuseType, Citation, Publication, Source, Testimony
from units.models import Unit

pytestmark = pytest.mark.django_db


def test_generator_creates_the_requested_counts_with_valid_relations():
    call_command("generate_data", testimonies=200, stdout=io.StringIO())
    assert Testimony.objects.count() == 200
    assert Site.objects.count() == 4 and Unit.objects.count() >= 2
    assert Source.objects.count() == 3 and Publication.objects.count() == 10
    assert not Testimony.objects.filter(sites=None).exists()
    assert not Testimony.objects.filter(citations=None).exists()
    assert not Testimony.objects.filter(abuse_types=None).exists()
    assert AbuseType.objects.public().count() == AbuseType.objects.count() > 0
    assert SiteUnit.objects.count() >= Site.objects.count()
    assert Citation.objects.filter(testimony__in=Testimony.objects.all()).count() >= 200
    assert Unit.objects.filter(kind=Unit.Kind.BATTALION, parent__kind=Unit.Kind.BRIGADE).exists()
    statuses = set(Testimony.objects.values_list("status", flat=True))
    assert "published" in statuses and len(statuses) > 1


def test_generator_rejects_a_size_below_one():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("generate_data", testimonies=0, stdout=io.StringIO())
