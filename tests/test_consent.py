"""Consent: withdrawal through the one service (and its admin action), restoring by a reviewer with a new consent
record, and the consent field of the form. What the public sees is in tests/test_visibility.py."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.curation import PublicationStatus
from core.roles import EDITOR, REVIEWER, WITNESS_IDENTITIES
from testimonies.consent import restore_consent, withdraw_consent
from testimonies.models import Consent, EvidenceImage, ReviewerNotice, Testimony
from tests.admin_forms import admin_url, form_data
from tests.factories import EvidenceImageFactory, TestimonyFactory, staff_user

pytestmark = pytest.mark.django_db


staff = staff_user


@pytest.fixture
def editor():
    return staff("editor", EDITOR)


@pytest.fixture
def reviewer():
    return staff("reviewer", REVIEWER, WITNESS_IDENTITIES)


def test_withdrawal_erases_notifies_and_says_who_and_why_but_not_what(editor, django_capture_on_commit_callbacks):
    testimony = TestimonyFactory(
        real_name="Ivan Erasedov",
        contact="+7 900 111 22 33",
        internal_notes="Lives in Omsk",
        consent_how="Signed form",
    )
    EvidenceImageFactory(testimony=testimony, caption="Erasedov at the gate")
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_consent(testimony, editor, "Asked by phone on 1 May")
    testimony.refresh_from_db()
    assert (testimony.consent, testimony.status) == (Consent.WITHDRAWN, PublicationStatus.WITHHELD)
    assert not Testimony.objects.public().filter(pk=testimony.pk).exists()
    assert not EvidenceImage.objects.exists() and not EvidenceImage.history.exists()
    history = list(testimony.history.values())
    assert history[0]["history_change_reason"] == "Consent withdrawn: Asked by phone on 1 May"
    assert history[0]["history_user_id"] == editor.pk
    assert "Erasedov" not in str(history) and "Signed form" not in str(history) and "Omsk" not in str(history)
    notice = ReviewerNotice.objects.get()
    assert notice.testimony == testimony and "Asked by phone" in notice.message and notice.created_by == editor


def test_withdrawal_also_erases_the_images_deleted_before_and_their_files(editor, django_capture_on_commit_callbacks):
    """An image removed from the testimony earlier still had history rows (its caption, its file names) and, on
    disk, its files: the withdrawal takes them too; a file another record still shows stays."""
    testimony = TestimonyFactory()
    removed = EvidenceImageFactory(testimony=testimony, caption="Erasedov in the yard")
    names = [file.name for file in (removed.display, removed.thumbnail) if file]
    storage = removed.display.storage
    removed.delete()
    kept = EvidenceImageFactory(testimony=TestimonyFactory(), caption="Another witness's image")
    assert EvidenceImage.history.filter(testimony_id=testimony.pk).exists()
    assert names and all(storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_consent(testimony, editor, "asked")
    assert not EvidenceImage.history.filter(testimony_id=testimony.pk).exists()
    assert not any(storage.exists(name) for name in names)
    assert kept.display.storage.exists(kept.display.name) and EvidenceImage.history.filter(id=kept.pk).exists()


def test_withdrawal_needs_a_reason_and_happens_once(editor):
    testimony = TestimonyFactory()
    with pytest.raises(ValidationError):
        withdraw_consent(testimony, editor, " ")
    withdraw_consent(testimony, editor, "asked")
    with pytest.raises(ValidationError):
        withdraw_consent(testimony, editor, "again")


def test_restoring_needs_a_reviewer_and_a_new_consent_record(editor, reviewer):
    testimony = withdraw_consent(TestimonyFactory(), editor, "asked")
    today = datetime.date.today()
    with pytest.raises(PermissionDenied):
        restore_consent(testimony, editor, Consent.GIVEN, today, "New signed form")
    with pytest.raises(ValidationError):
        restore_consent(testimony, reviewer, Consent.GIVEN, today, "")
    with pytest.raises(ValidationError):
        restore_consent(testimony, reviewer, Consent.GIVEN, today - datetime.timedelta(days=3), "Old form")
    restore_consent(testimony, reviewer, Consent.LIMITED, today, "New signed form")
    testimony.refresh_from_db()
    assert (testimony.consent, testimony.consent_how, testimony.status) == (
        Consent.LIMITED,
        "New signed form",
        PublicationStatus.WITHHELD,
    )
    assert not Testimony.objects.public().filter(pk=testimony.pk).exists()
    assert ReviewerNotice.objects.count() == 2


def test_the_admin_action_withdraws_after_a_confirmation(client, editor, reviewer):
    testimony = TestimonyFactory(status=PublicationStatus.DRAFT, real_name="Ivan Actionov")
    client.force_login(editor)
    url = admin_url(Testimony, "changelist")
    page = client.post(url, {"action": "withdraw_consent_action", "_selected_action": [testimony.pk]})
    assert page.status_code == 200 and "Withdraw consent" in page.content.decode()
    testimony.refresh_from_db()
    assert testimony.consent == Consent.GIVEN
    client.post(
        url,
        {
            "action": "withdraw_consent_action",
            "_selected_action": [testimony.pk],
            "confirm": "yes",
            "reason": "Asked in person",
        },
    )
    testimony.refresh_from_db()
    assert (testimony.consent, testimony.real_name) == (Consent.WITHDRAWN, "")

    # Reviewers read the notice; editors do not see the list.
    assert client.get(admin_url(ReviewerNotice, "changelist")).status_code == 403
    client.force_login(reviewer)
    page = client.get(admin_url(ReviewerNotice, "changelist")).content.decode()
    assert "Asked in person" in page
    notice = ReviewerNotice.objects.get()
    assert client.post(admin_url(ReviewerNotice, "delete", notice.pk), {"post": "yes"}).status_code == 403
    client.post(
        url,
        {
            "action": "restore_consent_action",
            "_selected_action": [testimony.pk],
            "confirm": "yes",
            "consent": "given",
            "recorded_on": datetime.date.today().isoformat(),
            "how": "New form",
        },
    )
    testimony.refresh_from_db()
    assert testimony.consent == Consent.GIVEN


def test_the_form_withdraws_and_restores_nothing_by_itself(client, editor, reviewer):
    testimony = TestimonyFactory(status=PublicationStatus.DRAFT, consent=Consent.LIMITED)
    url = admin_url(Testimony, "change", testimony.pk)
    client.force_login(editor)
    for consent, message in (("withdrawn", "Withdraw consent with the action"), ("given", "Only reviewers can lift")):
        data = form_data(client.get(url), Testimony)
        data["consent"] = [consent]
        response = client.post(url, data)
        assert response.status_code == 200 and message in response.content.decode()
    testimony.refresh_from_db()
    assert testimony.consent == Consent.LIMITED

    withdraw_consent(testimony, editor, "asked")
    client.force_login(reviewer)
    data = form_data(client.get(url), Testimony)
    data["consent"] = ["given"]
    response = client.post(url, data)
    assert (
        response.status_code == 200 and "restored by a reviewer with a new consent record" in response.content.decode()
    )


@pytest.mark.parametrize("sort", [",", ",,", ""])
def test_a_cleared_sort_keeps_the_public_date_order_and_cursors_hold_the_month_only(client, monkeypatch, sort):
    """`?sort=,` once cleared the order, and the model's (the exact day given) applied: the page's order and the
    cursor of its Next link (a signed, not an encrypted, payload) gave away the day that limited consent keeps."""
    import json
    import re
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    from django.core import signing
    from django.urls import reverse

    from core import keyset

    TestimonyFactory(given_on=datetime.date(2024, 3, 20), consent=Consent.LIMITED)
    TestimonyFactory(given_on=datetime.date(2024, 3, 10))
    TestimonyFactory(given_on=datetime.date(2023, 1, 5))
    monkeypatch.setattr("core.listing.EXACT_COUNT_UP_TO", 0)
    response = client.get(reverse("testimonies:testimony_list"), {"sort": sort})
    # In the public order the limited testimony is of March 2024 (the 1st), after the 10th.
    assert [testimony.given_on.day for testimony in response.context["object_list"]] == [10, 20, 5]
    page = client.get(reverse("testimonies:testimony_list"), {"sort": sort, "per_page": "1"}).content.decode()
    html_cursor = parse_qs(unescape(re.search(r'<a href="\?([^"]*)" rel="next">', page).group(1)))["after"][0]
    api = client.get("/api/testimonies/", {"sort": sort, "per_page": "1"}).json()
    api_cursor = parse_qs(urlsplit(api["next"]).query)["after"][0]
    assert api["results"][0]["given_on"] == "2024-03-10"
    for cursor in (html_cursor, api_cursor):
        payload = json.dumps(signing.loads(cursor, salt=keyset.SALT))
        assert "2024-03-20" not in payload and "2024-03-10" in payload
