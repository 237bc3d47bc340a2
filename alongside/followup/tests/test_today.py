"""The Today page: who to contact, most pressing first, with every reason; filters, search, counts, quiet
hours last; a supporter sees only their own list, organization-wide roles any supporter's and the
unassigned."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.followup import engine
from alongside.followup.cadence import Cadence, CadenceKind
from alongside.followup.services import save_cadence
from alongside.followup.worklist import worklist
from alongside.programs.models import Enrollment, Program
from alongside.safety.models import Concern
from alongside.taxonomy import Outcome
from alongside.testing.world import World, make_contact, make_enrollment, make_participant

pytestmark = pytest.mark.django_db

URL = reverse("followup:today")
EVERY, GRACE = 7, 3  # the test cadence: a call every 7 days, overdue 3 days later


def weekly(world: World, program: Program) -> None:
    save_cadence(world.cora, Cadence(CadenceKind.INTERVAL, interval_days=EVERY, grace_days=GRACE), program=program)


def enrol(
    world: World, name: str, days_ago: int, program: Program | None = None, supporters=None, **person
) -> Enrollment:
    participant = make_participant(world.org, name, family_name="Test", **person)
    return make_enrollment(
        world.cora,
        participant,
        program or world.telephone,
        [world.sofia] if supporters is None else supporters,
        enrolled_on=timezone.localdate() - timedelta(days=days_ago),
    )


def concern(world: World, enrollment: Enrollment, tier: str) -> None:
    Concern.objects.create(
        participant=enrollment.participant,
        tier=tier,
        reason="Feeling unwell",
        raised_by=world.sam,
        raised_at=timezone.now(),
    )


def names_on(page: str) -> list[str]:
    listing = page.split('class="list worklist"', 1)[1] if 'class="list worklist"' in page else ""
    return re.findall(r"<strong>([^<]+)</strong>", listing)


def zone_at_hour(low: int, high: int) -> str:
    """A fixed-offset IANA zone where the hour is now between low and high (inclusive), so a test can put a
    participant in the middle of their night or day whatever time the test runs."""
    utc = datetime.now(ZoneInfo("UTC"))
    for offset in range(-12, 15):
        name = "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
        if low <= utc.astimezone(ZoneInfo(name)).hour <= high:
            return name
    raise AssertionError("every hour exists somewhere")


@pytest.fixture
def busy(world: World) -> dict[str, Enrollment]:
    """Sofia's list with one line per reason, built so each person has exactly one pressing reason."""
    weekly(world, world.telephone)
    day = zone_at_hour(10, 17)  # nobody but the quiet-hours test is in their night
    people = {
        "Emergency": enrol(world, "Emergency", 2, timezone=day),
        "Urgent": enrol(world, "Urgent", 2, timezone=day),
        "Overdue5": enrol(world, "Overdue5", EVERY + GRACE + 5, timezone=day),
        "Overdue20": enrol(world, "Overdue20", EVERY + GRACE + 20, timezone=day),
        "Due": enrol(world, "Due", EVERY + 1, timezone=day),
        "Promised": enrol(world, "Promised", 20, timezone=day),
        "Retry": enrol(world, "Retry", 20, timezone=day),
        "Fine": enrol(world, "Fine", 20, timezone=day),
    }
    concern(world, people["Emergency"], "emergency")
    concern(world, people["Urgent"], "urgent")
    make_contact(people["Promised"], world.sofia.user, days_ago=1, next_contact_due=timezone.localdate())
    make_contact(people["Retry"], world.sofia.user, days_ago=2)
    make_contact(people["Retry"], world.sofia.user, days_ago=1, outcome=Outcome.NO_ANSWER, functions=())
    make_contact(people["Fine"], world.sofia.user, days_ago=1)
    world.paul.timezone = day
    world.paul.save()
    engine.recompute_all()
    return people


ORDER = ["Emergency", "Urgent", "Overdue20", "Overdue5", "Due", "Promised", "Retry"]


def test_it_orders_emergency_urgent_overdue_most_first_due_promised_retry(world: World, client: Client, busy) -> None:
    client.force_login(world.sofia.user)
    page = client.get(URL).content.decode()
    shown = [name.removesuffix(" Test") for name in names_on(page)]
    assert [n for n in shown if n in ORDER] == ORDER
    assert "Fine" not in shown  # reached yesterday, next window next week
    assert "Rita Gomez" not in shown  # Sid's, not Sofia's


def test_the_function_gives_the_same_order(world: World, busy) -> None:
    lines = worklist(world.sofia.user)
    shown = [line.participant.preferred_name for line in lines]
    assert [n for n in shown if n in ORDER] == ORDER
    priorities = [line.priority for line in lines]
    assert priorities == sorted(priorities)


def test_each_line_shows_every_reason_with_its_detail_and_links_to_the_call_screen(
    world: World, client: Client, busy
) -> None:
    client.force_login(world.sofia.user)
    page = client.get(URL).content.decode()
    assert "<b>Overdue</b> · 5 days past its window" in page
    assert "<b>Overdue</b> · 20 days past its window" in page
    assert "<b>Emergency concern open</b>" in page
    assert "<b>Urgent concern open</b>" in page
    assert "<b>Due</b> · window closes in 2 days" in page
    assert "<b>You promised to follow up</b> · today" in page
    assert "<b>Try again: last call not answered</b> · 1 unanswered attempt, last: no answer" in page
    # Paul is overdue and has never had linkage: both reasons on his one line.
    paul_line = page.split("Paul Okafor", 1)[1].split("</li>\n", 3)
    assert "Overdue" in "".join(paul_line[:3]) and "Function gap" in "".join(paul_line[:3])
    for enrollment in busy.values():
        if enrollment.participant.preferred_name in ORDER:
            assert reverse("followup:call", args=[enrollment.pk]) in page
    assert "Last reached: never" in page


def test_counts_per_reason_are_computed_from_the_lines(world: World, client: Client, busy) -> None:
    client.force_login(world.sofia.user)
    response = client.get(URL)
    page = response.content.decode()
    lines = worklist(world.sofia.user)
    overdue = sum("overdue" in line.reason_codes for line in lines)
    assert overdue == 3  # Paul, Overdue5, Overdue20
    assert re.search(rf"Overdue <b>{overdue}</b>", page)
    assert re.search(r"Emergency concern open <b>1</b>", page)
    assert f"{len(lines)} of {len(lines)} to contact" in page


def test_filter_by_reason_program_and_search_by_name(world: World, client: Client, busy) -> None:
    client.force_login(world.sofia.user)
    page = client.get(URL, {"reason": "overdue"}).content.decode()
    assert sorted(names_on(page)) == ["Overdue20 Test", "Overdue5 Test", "Paul Okafor"]
    assert f"3 of {len(worklist(world.sofia.user))} to contact" in page  # the total still covers the whole list

    page = client.get(URL, {"q": "promis"}).content.decode()
    assert names_on(page) == ["Promised Test"]

    page = client.get(URL, {"q": "okafor", "reason": "function_gap"}).content.decode()
    assert names_on(page) == ["Paul Okafor"]

    coaching_person = enrol(world, "Coached", EVERY + GRACE + 1, program=world.coaching)
    weekly(world, world.coaching)
    engine.refresh([coaching_person.pk])
    page = client.get(URL, {"program": world.coaching.pk}).content.decode()
    assert names_on(page) == ["Coached Test"]

    page = client.get(URL, {"q": "nobody-by-that-name"}).content.decode()
    assert names_on(page) == []
    assert "No one matches these filters." in page


def test_unknown_filter_values_are_ignored_not_fatal(world: World, client: Client, busy) -> None:
    client.force_login(world.sofia.user)
    response = client.get(URL, {"reason": "bogus", "program": "abc"})
    assert response.status_code == 200
    assert len(names_on(response.content.decode())) == len(worklist(world.sofia.user))


def test_lines_in_the_participants_quiet_hours_come_last_greyed_with_when_it_ends(
    world: World, client: Client, busy
) -> None:
    night = zone_at_hour(1, 5)  # inside the default quiet hours 21:00-08:00
    sleeper = busy["Emergency"].participant
    sleeper.timezone = night
    sleeper.save()
    client.force_login(world.sofia.user)
    page = client.get(URL).content.decode()
    shown = names_on(page)
    assert shown[-1] == "Emergency Test"  # the most pressing line, yet last: it is night there
    quiet_line = page.split("Emergency Test", 1)[1].split("</li>\n</ol>", 1)[0]
    assert "quiet until 08:00 their time" in quiet_line
    assert 'class="wl-line quiet"' in page.split("Emergency Test", 1)[0].rsplit("<li", 1)[1]
    assert page.count('class="wl-line quiet"') == 1
    assert "1 in quiet hours, shown last" in page


def test_the_worklist_function_takes_now_for_quiet_hours(world: World, busy) -> None:
    tokyo = busy["Urgent"].participant
    tokyo.timezone = "Asia/Tokyo"
    tokyo.save()
    # 03:00 in Tokyo is 18:00 UTC: quiet for Tokyo only (everyone else's zone is set to daytime *now*, so
    # pin them to UTC here to make the moment unambiguous).
    from alongside.people.models import Participant

    Participant.objects.exclude(pk=tokyo.pk).update(timezone="UTC")
    moment = datetime(2030, 3, 4, 18, 0, tzinfo=ZoneInfo("UTC"))
    engine.recompute_all()
    lines = worklist(world.sofia.user, now=moment, today=date(2030, 3, 4))
    assert lines[-1].participant == tokyo
    assert lines[-1].quiet_until is not None and lines[-1].quiet_until.hour == 8
    assert all(line.quiet_until is None for line in lines[:-1])


def test_a_coordinator_picks_any_supporter_or_the_unassigned(world: World, client: Client, busy) -> None:
    weekly(world, world.coaching)
    nobody = enrol(world, "Orphan", EVERY + GRACE + 2, supporters=[])
    engine.recompute_all()
    for user in (world.cora, world.sam, world.ada):
        client.force_login(user)
        page = client.get(URL, {"supporter": world.sid.pk}).content.decode()
        assert names_on(page) == ["Rita Gomez"]
        assert f'<option value="{world.sofia.pk}"' in page and f'<option value="{world.sid.pk}" selected' in page

        page = client.get(URL, {"unassigned": "1"}).content.decode()
        assert names_on(page) == ["Orphan Test"]
        assert "participants with no supporter" in page

        page = client.get(URL).content.decode()  # everyone's
        assert {"Rita Gomez", "Orphan Test", "Paul Okafor"} <= set(names_on(page))
    assert nobody.assignments.count() == 0


def test_a_supporter_cannot_see_another_supporters_list(world: World, client: Client, busy) -> None:
    client.force_login(world.sofia.user)
    assert client.get(URL, {"supporter": world.sid.pk}).status_code == 404
    assert client.get(URL, {"unassigned": "1"}).status_code == 404
    assert client.get(URL, {"supporter": world.sofia.pk}).status_code == 200


def test_an_outsider_coordinator_cannot_pick_our_supporters(world: World, client: Client) -> None:
    client.force_login(world.otto)
    assert client.get(URL, {"supporter": world.sofia.pk}).status_code == 404
    page = client.get(URL).content.decode()
    assert "Paul" not in page and "Sofia" not in page


@pytest.mark.parametrize("role", ["participant", "evaluator", "professional"])
def test_other_roles_get_a_404(world: World, client: Client, role: str) -> None:
    client.force_login(world.users_by_role()[role])
    assert client.get(URL).status_code == 404


def test_it_says_so_when_nothing_is_due(world: World, client: Client) -> None:
    client.force_login(world.sid.user)
    page = client.get(URL).content.decode()
    assert names_on(page) == []
    assert "Nothing is due today." in page


def test_a_supporters_home_is_today_and_the_menu_starts_with_it(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == URL
    nav = client.get(URL).content.decode().split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    assert nav.index(">Today<") < nav.index(">My caseload<")
    client.force_login(world.cora)
    assert ">Today<" in client.get(reverse("programs:overview")).content.decode()
