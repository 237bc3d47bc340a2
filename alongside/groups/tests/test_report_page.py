"""The completion report: per program and kind (over finished series) and per series, every figure equal
to a count by hand; evaluators get the same figures and no names."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import User
from alongside.groups.models import AttendanceStatus, GroupKind, GroupSeries
from alongside.testing.groups import GroupWorld, make_series, mark, register_directly, weekly
from alongside.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def finished_series(gw: GroupWorld, title: str, attended: dict[str, int]) -> GroupSeries:
    """A six-session workshop that ended last month; each person attended the first n sessions (the last
    one attended made up, to show make-ups count) and was absent from the rest."""
    first = timezone.now() - timedelta(weeks=12)
    series = make_series(gw.world.cora, gw.program, GroupKind.WORKSHOP, weekly(first, 6), title=title)
    sessions = list(series.sessions.order_by("number"))
    for key, count in attended.items():
        registration = register_directly(gw.world.cora, series, gw.enrollments[key])
        for i, session in enumerate(sessions):
            if i < count - 1:
                mark(gw.world.cora, session, registration, AttendanceStatus.PRESENT)
            elif i == count - 1:
                mark(gw.world.cora, session, registration, AttendanceStatus.MADE_UP, made_up_on=session.starts_on)
            else:
                mark(gw.world.cora, session, registration, AttendanceStatus.ABSENT)
    return series


def row(page: str, label: str) -> str:
    start = page.index(label)
    return re.sub(r"\s+", " ", page[start : page.index("</tr>", start)])


@pytest.fixture
def report_world(group_world: GroupWorld) -> GroupWorld:
    # Autumn: ana 6, ben 4, carmen 2, dev 0 -> 3 starters, 2 completers (>= 4 of 6), 12 sessions attended.
    finished_series(group_world, "Autumn workshop", {"ana": 6, "ben": 4, "carmen": 2, "dev": 0})
    # Winter: elena 5, paul 4 -> 2 starters, 2 completers, 9 sessions attended.
    finished_series(group_world, "Winter workshop", {"elena": 5, "paul": 4})
    # The spring workshop (group_world) is still running; ana and ben attended its first three sessions.
    for session in group_world.sessions[:3]:
        for key in ("ana", "ben"):
            mark(group_world.world.cora, session, group_world.registrations[key], AttendanceStatus.PRESENT)
    return group_world


def program_card(page: str, program: str) -> str:
    start = page.index(f"<strong>{program}</strong>")
    return re.sub(r"\s+", " ", page[start : page.index("</li>", start)])


def test_the_program_figures_count_finished_series_only(report_world: GroupWorld) -> None:
    page = client_for(report_world.world.cora).get(reverse("groups:report")).content.decode()
    card = program_card(page, "Diabetes Self-Management Groups")
    assert "Self-management workshop" in card
    assert "<dt>Series finished</dt><dd>2</dd>" in card and "<dt>Still running</dt><dd>1</dd>" in card
    # 4 completers of 5 starters; (12 + 9) sessions attended / 5 starters = 4.2, of 6 planned.
    assert "<dt>Completion</dt><dd>80% <span" in card and "(4 of 5 who started)" in card
    assert "<dt>Mean attendance</dt><dd>4.2 of 6</dd>" in card


def test_each_series_row_is_its_own_hand_count(report_world: GroupWorld) -> None:
    page = client_for(report_world.world.cora).get(reverse("groups:report")).content.decode()
    autumn = row(page, "Autumn workshop")
    assert "<td>finished</td>" in autumn
    assert re.findall(r'<td class="num">(.*?)</td>', autumn) == [
        "4 / 16",  # registered / capacity
        "0",  # waiting
        "0",  # dropped
        "6 of 6",  # held
        "3",  # started
        '2 <span class="small muted">(67%)</span>',
        "4.0 of 6",
    ]
    spring = row(page, "Living Well with Diabetes, spring")
    assert "<td>running</td>" in spring
    cells = re.findall(r'<td class="num">(.*?)</td>', spring)
    # Spring: 4 of 6 sessions started (the fourth ten minutes ago); ana and ben attended 3 each, below 4 of 6.
    assert cells[0] == "6 / 16" and cells[3] == "4 of 6" and cells[4] == "2"
    assert cells[5] == '0 <span class="small muted">(0%)</span>' and cells[6] == "3.0 of 6"


def test_an_evaluator_gets_the_same_figures_without_names_or_links(report_world: GroupWorld) -> None:
    coordinator = client_for(report_world.world.cora).get(reverse("groups:report")).content.decode()
    evaluator = client_for(report_world.world.eve).get(reverse("groups:report")).content.decode()
    program = "Diabetes Self-Management Groups"
    assert program_card(evaluator, program) == program_card(coordinator, program)
    assert re.findall(r'<td class="num">(.*?)</td>', row(evaluator, "Autumn workshop")) == re.findall(
        r'<td class="num">(.*?)</td>', row(coordinator, "Autumn workshop")
    )
    assert 'href="/groups/series/' not in evaluator
    for name in ("Ana", "Ben", "Paul", "Lena", "Cora"):
        assert name not in evaluator


def test_no_series_yet_says_so(group_world: GroupWorld) -> None:
    page = client_for(group_world.world.otto).get(reverse("groups:report")).content.decode()
    assert page.count("No group series yet.") == 2
