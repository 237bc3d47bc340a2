"""The demo's linkage data on any day: every planned referral and look-up finds a person, and exactly the two
stalled referrals of the `supporter` login are stalled (seeded for awkward days, as test_demo_followup.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from alongside.accounts.models import User
from alongside.followup.worklist import worklist
from alongside.linkage.models import DirectoryLookup, Referral, ReferralStatus
from alongside.linkage.referral_stalls import StallRules
from alongside.programs.models import Program
from alongside.web.demo import seed_demo
from alongside.web.demo_linkage_plan import LOOKUPS, REFERRALS

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    "now",
    [
        datetime(2025, 1, 1, 0, 20, tzinfo=NEW_YORK),  # just after midnight on New Year's Day
        datetime(2026, 3, 8, 23, 50, tzinfo=NEW_YORK),  # a Sunday night, the day clocks change
        datetime(2024, 2, 29, 12, 0, tzinfo=NEW_YORK),  # leap day
    ],
)
def test_every_planned_referral_and_look_up_is_there_and_two_are_stalled(now: datetime) -> None:
    seed_demo(now=now)

    referrals = Referral.objects.all()
    assert referrals.count() == len(REFERRALS) + 1  # and the incoming one
    assert DirectoryLookup.objects.count() == len(LOOKUPS) + 2
    assert set(referrals.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert not referrals.filter(status_changed_at__gt=now).exists()
    stalls = StallRules.load(Program.objects.values_list("pk", flat=True))
    stalled = referrals.filter(stalls.condition(now))
    assert stalled.count() == 2
    rosa = User.objects.get(username="supporter")
    lines = worklist(rosa, supporter=rosa.supporter, now=now, today=now.date())
    flagged = {line.state.enrollment_id for line in lines if "referral_stalled" in line.reason_codes}
    assert flagged == set(stalled.values_list("enrollment_id", flat=True))
