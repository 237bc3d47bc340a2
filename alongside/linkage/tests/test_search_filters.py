"""Directory filters: category with its children, language, free text, active only, and "open now" in each
schedule's own time zone (closing time is closed; validity dates count), agreeing with the hours shown."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from alongside.linkage.access import services_visible_to
from alongside.linkage.hours import describe, describe_days
from alongside.linkage.models import Schedule, Service, ServiceStatus
from alongside.linkage.search import DirectoryQuery, Hit, listings, search
from alongside.linkage.tests.directory_world import NEW_YORK, make_service, make_term
from alongside.testing.world import World

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
TUESDAY = date(2025, 3, 4)  # a Tuesday; New York is on EST (UTC-5), Los Angeles on PST (UTC-8)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def found(world: World, **query: object) -> list[int]:
    return [h.service_id for h in search(services_visible_to(world.cora), DirectoryQuery(**query), world.org.pk)]  # type: ignore[arg-type]


def names(world: World, **query: object) -> list[str]:
    ids = found(world, **query)
    by_pk = dict(Service.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [by_pk[pk] for pk in ids]


def test_a_category_includes_the_terms_under_it_at_any_depth(world: World) -> None:
    food = make_term(world.org, "Food")
    pantry = make_term(world.org, "Food pantry", parent=food)
    halal = make_term(world.org, "Halal pantry", parent=pantry)
    health = make_term(world.org, "Health")
    make_service(world.org, "Meals on wheels", categories=[food])
    make_service(world.org, "Mosque pantry", categories=[halal])
    make_service(world.org, "Church pantry", categories=[pantry, health])
    make_service(world.org, "Clinic", categories=[health])

    assert names(world, category_id=food.pk) == ["Church pantry", "Meals on wheels", "Mosque pantry"]
    assert names(world, category_id=pantry.pk) == ["Church pantry", "Mosque pantry"]
    assert names(world, category_id=halal.pk) == ["Mosque pantry"]
    assert names(world, category_id=health.pk) == ["Church pantry", "Clinic"]


def test_a_category_of_another_organization_finds_nothing(world: World) -> None:
    theirs = make_term(world.other_org, "Food")
    make_service(world.org, "Meals on wheels", categories=[make_term(world.org, "Food")])
    assert found(world, category_id=theirs.pk) == []


def test_language_filters_on_the_iso_code(world: World) -> None:
    make_service(world.org, "English only", languages=["en"])
    make_service(world.org, "Bilingual", languages=["en", "es"])
    make_service(world.org, "Vietnamese", languages=["vi"])
    make_service(world.org, "Estonian", languages=["et"])

    assert names(world, language="es") == ["Bilingual"]
    assert names(world, language="EN") == ["Bilingual", "English only"]
    assert names(world, language="et") == ["Estonian"]
    with pytest.raises(ValueError, match="not a language code"):
        found(world, language='e"s')


def test_free_text_matches_every_word_in_name_description_or_provider(world: World) -> None:
    make_service(world.org, "Food pantry", description="Fresh vegetables every Tuesday")
    make_service(world.org, "Diabetes education", description="Classes on food and medicines")
    make_service(world.org, "Walking group", provider="Riverside YMCA")

    assert names(world, text="food") == ["Diabetes education", "Food pantry"]
    assert names(world, text="FOOD tuesday") == ["Food pantry"]
    assert names(world, text="ymca") == ["Walking group"]
    assert names(world, text="swimming") == []


def test_only_active_services_unless_asked(world: World) -> None:
    make_service(world.org, "Open pantry")
    make_service(world.org, "Closed pantry", status=ServiceStatus.TEMPORARILY_CLOSED)
    make_service(world.org, "Gone pantry", status=ServiceStatus.DEFUNCT)

    assert names(world) == ["Open pantry"]
    assert names(world, include_inactive=True) == ["Closed pantry", "Gone pantry", "Open pantry"]


def test_filters_combine_with_distance(world: World) -> None:
    food = make_term(world.org, "Food")
    make_service(world.org, "Spanish pantry", at=(40.72, -74.0), languages=["es"], categories=[food])
    make_service(world.org, "English pantry", at=(40.73, -74.0), languages=["en"], categories=[food])
    make_service(world.org, "Far Spanish pantry", at=(41.5, -74.0), languages=["es"], categories=[food])
    from alongside.linkage.search import Point

    assert names(world, category_id=food.pk, language="es", near=Point(*NEW_YORK), within_km=25) == ["Spanish pantry"]


# ----------------------------------------------------------------------------------------------- open now


def test_open_now_uses_each_locations_time_zone(world: World) -> None:
    make_service(world.org, "New York clinic")  # the organization's zone: America/New_York
    make_service(world.org, "Los Angeles clinic", zone="America/Los_Angeles")

    # 13:00 in New York, 10:00 in Los Angeles: both open.
    assert names(world, open_now=True, at=utc(TUESDAY, 18)) == ["Los Angeles clinic", "New York clinic"]
    # 17:30 in New York (closed), 14:30 in Los Angeles.
    assert names(world, open_now=True, at=utc(TUESDAY, 22, 30)) == ["Los Angeles clinic"]
    # 08:30 in New York, 05:30 in Los Angeles: neither yet.
    assert names(world, open_now=True, at=utc(TUESDAY, 13, 30)) == []


def test_at_closing_time_it_is_closed_and_at_opening_time_open(world: World) -> None:
    make_service(world.org, "Clinic")  # 09:00-17:00 New York time
    assert names(world, open_now=True, at=utc(TUESDAY, 14)) == ["Clinic"]  # 09:00 sharp
    assert names(world, open_now=True, at=utc(TUESDAY, 21, 59) + timedelta(seconds=59)) == ["Clinic"]
    assert names(world, open_now=True, at=utc(TUESDAY, 22)) == []  # 17:00 sharp


def test_the_weekday_is_the_local_one(world: World) -> None:
    make_service(world.org, "Tokyo Wednesday mornings", zone="Asia/Tokyo", byday="WE", opens=time(8), closes=time(12))
    # Tuesday 23:30 UTC is Wednesday 08:30 in Tokyo.
    assert names(world, open_now=True, at=utc(TUESDAY, 23, 30)) == ["Tokyo Wednesday mornings"]
    assert names(world, open_now=True, at=utc(TUESDAY - timedelta(days=1), 23, 30)) == []


def test_weekends_are_closed_on_a_weekday_schedule(world: World) -> None:
    make_service(world.org, "Clinic")
    saturday = TUESDAY + timedelta(days=4)
    assert names(world, open_now=True, at=utc(saturday, 16)) == []


def test_validity_dates_are_respected(world: World) -> None:
    seasonal = make_service(world.org, "Tax help")
    Schedule.objects.filter(service=seasonal).update(valid_from=TUESDAY + timedelta(days=1), valid_to=date(2025, 4, 15))
    expired = make_service(world.org, "Winter shelter")
    Schedule.objects.filter(service=expired).update(valid_to=TUESDAY - timedelta(days=1))
    make_service(world.org, "Last day")
    Schedule.objects.filter(service__name="Last day").update(valid_from=TUESDAY, valid_to=TUESDAY)

    assert names(world, open_now=True, at=utc(TUESDAY, 16)) == ["Last day"]
    assert names(world, open_now=True, at=utc(TUESDAY + timedelta(days=1), 16)) == ["Tax help"]


def test_a_location_schedule_counts_for_the_services_there_and_a_service_schedule_uses_its_location_zone(
    world: World,
) -> None:
    make_service(world.org, "Library help desk", zone="America/Los_Angeles", schedule_on="location")
    make_service(world.org, "Chicago hotline", zone="America/Chicago", schedule_on="service")

    # 16:30 in New York = 15:30 in Chicago = 13:30 in Los Angeles.
    assert names(world, open_now=True, at=utc(TUESDAY, 21, 30)) == ["Chicago hotline", "Library help desk"]
    # 18:30 New York = 17:30 Chicago (closed) = 15:30 Los Angeles.
    assert names(world, open_now=True, at=utc(TUESDAY, 23, 30)) == ["Library help desk"]


def test_a_schedule_without_times_is_never_open(world: World) -> None:
    make_service(world.org, "By appointment", opens=None)
    Schedule.objects.create(organization=world.org, service=Service.objects.get(), byday="MO,TU", description="Call")
    assert names(world, open_now=True, at=utc(TUESDAY, 16)) == []


def test_the_sql_filter_and_the_hours_shown_agree_over_a_week(world: World) -> None:
    """Every 47 minutes over a week, "open now" in the search equals "open now" on the listing."""
    make_service(world.org, "New York clinic", byday="MO,TU,WE,TH,FR", opens=time(9), closes=time(17))
    make_service(world.org, "LA evenings", zone="America/Los_Angeles", byday="TU,TH", opens=time(18), closes=time(21))
    make_service(world.org, "Tokyo mornings", zone="Asia/Tokyo", byday="SA,SU", opens=time(6), closes=time(10))
    make_service(world.org, "Chicago hotline", zone="America/Chicago", schedule_on="service", byday="mo, we")
    make_service(world.org, "Kolkata desk", zone="Asia/Kolkata", schedule_on="location", byday="1FR")
    every = found(world, include_inactive=True)
    moment = utc(TUESDAY - timedelta(days=2), 0)
    checked_open = 0
    while moment < utc(TUESDAY + timedelta(days=6), 0):
        in_sql = set(found(world, open_now=True, at=moment))
        shown = {x.service.pk for x in listings([Hit(pk, None, None) for pk in every], at=moment) if x.opening.open_now}
        assert in_sql == shown, moment
        checked_open += len(in_sql)
        moment += timedelta(minutes=47)
    assert checked_open > 100


def test_hours_in_words() -> None:
    assert describe_days("MO,TU,WE,TH,FR") == "Monday to Friday"
    assert describe_days("MO,WE,FR") == "Monday, Wednesday and Friday"
    assert describe_days("SA,SU,MO,TU,WE,TH,FR") == "every day"
    assert describe_days("MO,TU,TH,FR,SA") == "Monday, Tuesday and Thursday to Saturday"
    assert describe_days("1MO,-1FR") == "the first Monday of the month and the last Friday of the month"
    schedule = Schedule(byday="MO,TU,WE", opens_at=time(9), closes_at=time(12, 30), valid_from=date(2025, 3, 1))
    assert describe(schedule) == "Monday to Wednesday, 09:00–12:30 (from 1 March 2025)"
