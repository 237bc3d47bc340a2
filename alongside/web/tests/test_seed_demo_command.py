"""manage.py seed_demo on databases other than a freshly loaded demo: any day of the year, a username
clash, --reset. (test_seed_demo.py checks what one load contains.)"""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from alongside.accounts.models import Organization, Role, User
from alongside.contacts.models import Contact
from alongside.people.models import Participant
from alongside.taxonomy import Outcome
from alongside.web.demo import ORGANIZATION_SLUG, demo_counts, seed_demo

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    "now",
    [
        datetime(2025, 1, 1, 0, 20, tzinfo=NEW_YORK),  # just after midnight on New Year's Day
        datetime(2026, 3, 8, 23, 50, tzinfo=NEW_YORK),  # a Sunday night, the day clocks change
        datetime(2024, 2, 29, 12, 0, tzinfo=NEW_YORK),  # leap day
    ],
)
def test_it_loads_on_any_day(now: datetime) -> None:
    result = seed_demo(now=now)
    assert result.created and result.counts["participants"] == 150
    contacts = Contact.objects.all()
    assert not contacts.filter(occurred_at__gt=now).exists()
    assert not contacts.filter(outcome=Outcome.REACHED, fn_daily_management=False, fn_social_emotional=False,
                               fn_linkage=False, fn_ongoing=False).exists()  # fmt: skip
    assert not contacts.exclude(outcome=Outcome.REACHED).filter(fn_social_emotional=True).exists()
    assert contacts.filter(occurred_at__lt=now - timedelta(days=170)).exists()


def test_it_refuses_when_a_demo_username_belongs_to_someone_else() -> None:
    other = Organization.objects.create(name="Hillcrest Clinic", slug="hillcrest")
    User.objects.create(username="supervisor", role=Role.SUPERVISOR, organization=other)

    with pytest.raises(CommandError, match="supervisor"):
        seed()

    assert not Organization.objects.filter(slug=ORGANIZATION_SLUG).exists()
    assert Participant.objects.count() == 0


def test_reset_is_refused_when_debug_is_off(settings: Any) -> None:
    settings.DEBUG = False
    seed()
    with pytest.raises(CommandError, match="DEBUG"):
        seed("--reset")


@pytest.mark.django_db(transaction=True)  # flush cannot run inside a transaction on PostgreSQL
def test_reset_erases_and_loads_again(settings: Any) -> None:
    settings.DEBUG = True
    seed()
    organization = Organization.objects.get(slug=ORGANIZATION_SLUG)
    before = demo_counts(organization)
    Participant.objects.update(preferred_name="Changed")

    output = seed("--reset")

    assert "Loaded the demo organization" in output
    assert demo_counts(Organization.objects.get(slug=ORGANIZATION_SLUG)) == before
    assert not Participant.objects.filter(preferred_name="Changed").exists()
