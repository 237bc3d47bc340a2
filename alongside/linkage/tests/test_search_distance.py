"""Distance search: great-circle distances checked against the formula worked by hand and against
published city-to-city distances; the bounding box never loses a point inside the radius (antimeridian
and poles included); results nearest first with their distance; no coordinates last without a radius."""

from __future__ import annotations

import math
import random

import pytest

from alongside.linkage.access import services_visible_to
from alongside.linkage.models import Service
from alongside.linkage.search import (
    EARTH_RADIUS_KM,
    DirectoryQuery,
    Point,
    bounding_box,
    distances_km,
    haversine_km,
    search,
)
from alongside.linkage.tests.directory_world import (
    LONDON,
    LOS_ANGELES,
    MELBOURNE,
    NEW_YORK,
    PARIS,
    SYDNEY,
    make_service,
)
from alongside.testing.world import World


def by_hand(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The haversine formula written out step by step, independently of linkage.search."""
    phi1, phi2 = a[0] * math.pi / 180, b[0] * math.pi / 180
    delta_phi = (b[0] - a[0]) * math.pi / 180
    delta_lambda = (b[1] - a[1]) * math.pi / 180
    h = math.sin(delta_phi / 2) * math.sin(delta_phi / 2) + math.cos(phi1) * math.cos(phi2) * math.sin(
        delta_lambda / 2
    ) * math.sin(delta_lambda / 2)
    c = 2 * math.atan2(math.sqrt(h), math.sqrt(1 - h))
    return 6371.0088 * c


# Published great-circle distances between the city centres, in km.
PUBLISHED = [
    (NEW_YORK, LOS_ANGELES, 3936.0),
    (LONDON, PARIS, 343.5),
    (SYDNEY, MELBOURNE, 713.4),
]


@pytest.mark.parametrize(("a", "b", "published"), PUBLISHED)
def test_distance_between_known_cities_matches_the_hand_computed_and_published_values(
    a: tuple[float, float], b: tuple[float, float], published: float
) -> None:
    km = haversine_km(Point(*a), Point(*b))
    assert km == pytest.approx(by_hand(a, b), rel=1e-9)
    assert km == pytest.approx(published, rel=0.005)
    assert haversine_km(Point(*b), Point(*a)) == pytest.approx(km, rel=1e-12)


def test_one_degree_of_latitude_is_about_111_km_and_the_same_point_is_zero() -> None:
    assert haversine_km(Point(10, 20), Point(11, 20)) == pytest.approx(EARTH_RADIUS_KM * math.pi / 180, rel=1e-9)
    assert haversine_km(Point(*NEW_YORK), Point(*NEW_YORK)) == 0
    # Antipodes: half the circumference, without a math domain error.
    assert haversine_km(Point(0, 0), Point(0, 180)) == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_the_tight_loop_gives_the_same_distances_as_the_formula() -> None:
    rng = random.Random(5)
    origin = Point(rng.uniform(-80, 80), rng.uniform(-180, 180))
    points = [(rng.uniform(-90, 90), rng.uniform(-180, 180)) for _ in range(500)]
    assert distances_km(origin, points) == pytest.approx(
        [by_hand((origin.latitude, origin.longitude), p) for p in points]
    )


def test_impossible_points_are_refused() -> None:
    with pytest.raises(ValueError, match="Latitude"):
        Point(91, 0)
    with pytest.raises(ValueError, match="Longitude"):
        Point(0, -180.5)
    with pytest.raises(ValueError, match="latitude,longitude"):
        Point.parse("40.7")
    assert Point.parse(" 40.7128 , -74.0060 ") == Point(40.7128, -74.006)


@pytest.mark.parametrize(
    ("center", "radius"),
    [
        (NEW_YORK, 5),
        (NEW_YORK, 250),
        ((-17.7134, 179.9), 300),  # Fiji: the circle crosses the antimeridian
        ((10.0, -179.95), 50),
        ((89.5, 30.0), 100),  # reaches the North Pole
        ((-88.0, 0.0), 400),
        ((65.0, 10.0), 2500),
    ],
)
def test_the_bounding_box_contains_every_point_within_the_radius(center: tuple[float, float], radius: float) -> None:
    rng = random.Random(radius)
    box = bounding_box(Point(*center), radius)
    origin = Point(*center)
    checked = 0
    for _ in range(4000):
        # Points scattered around the centre, some inside the circle and some outside.
        lat = max(-90.0, min(90.0, center[0] + rng.uniform(-1, 1) * radius / 80))
        lon = ((center[1] + rng.uniform(-1, 1) * radius / 20 + 180) % 360) - 180
        if haversine_km(origin, Point(lat, lon)) > radius:
            continue
        checked += 1
        assert box.min_latitude <= lat <= box.max_latitude
        assert any(low <= lon <= high for low, high in box.longitude_ranges), (lat, lon, box)
    assert checked > 50


def test_the_box_is_split_at_the_antimeridian() -> None:
    box = bounding_box(Point(-17.7, 179.9), 100)
    assert len(box.longitude_ranges) == 2
    assert box.longitude_ranges[0][1] == 180 and box.longitude_ranges[1][0] == -180


# ---------------------------------------------------------------------------------------------- search


def near(world: World, point: tuple[float, float], within_km: float | None = None, **extra: object) -> list:
    query = DirectoryQuery(near=Point(*point), within_km=within_km, **extra)  # type: ignore[arg-type]
    return search(services_visible_to(world.cora), query, world.org.pk)


def north_of(point: tuple[float, float], km: float) -> tuple[float, float]:
    return (round(point[0] + km / (EARTH_RADIUS_KM * math.pi / 180), 6), point[1])


@pytest.mark.django_db
def test_results_are_nearest_first_within_the_radius_with_their_distance(world: World) -> None:
    far = make_service(world.org, "Far pantry", at=north_of(NEW_YORK, 30))
    mid = make_service(world.org, "Mid clinic", at=north_of(NEW_YORK, 12))
    close = make_service(world.org, "Close library", at=north_of(NEW_YORK, 2))
    make_service(world.org, "Nowhere hotline", at=None)
    make_service(world.other_org, "Hillcrest pantry", at=NEW_YORK)  # another tenant

    hits = near(world, NEW_YORK, within_km=25)

    assert [h.service_id for h in hits] == [close.pk, mid.pk]
    assert hits[0].distance_km == pytest.approx(2, abs=0.001)
    assert hits[1].distance_km == pytest.approx(12, abs=0.001)
    assert far.pk not in {h.service_id for h in hits}


@pytest.mark.django_db
def test_without_a_radius_every_service_is_sorted_and_those_without_coordinates_come_last(world: World) -> None:
    b = make_service(world.org, "B hotline", at=None)
    a = make_service(world.org, "A hotline", at=None)
    far = make_service(world.org, "Far pantry", at=LOS_ANGELES)
    close = make_service(world.org, "Close clinic", at=north_of(NEW_YORK, 1))

    hits = near(world, NEW_YORK)

    assert [h.service_id for h in hits] == [close.pk, far.pk, a.pk, b.pk]
    assert hits[1].distance_km == pytest.approx(by_hand(NEW_YORK, LOS_ANGELES))
    assert hits[2].distance_km is None and hits[3].distance_km is None


@pytest.mark.django_db
def test_a_service_at_several_locations_counts_its_nearest(world: World) -> None:
    from alongside.linkage.models import Location, ServiceAtLocation

    service = make_service(world.org, "Two sites", at=north_of(NEW_YORK, 40))
    second = Location.objects.create(
        organization=world.org, name="Second site", latitude=north_of(NEW_YORK, 3)[0], longitude=NEW_YORK[1]
    )
    ServiceAtLocation.objects.create(organization=world.org, service=service, location=second)

    hits = near(world, NEW_YORK, within_km=10)

    assert [(h.service_id, h.location_id) for h in hits] == [(service.pk, second.pk)]
    assert hits[0].distance_km == pytest.approx(3, abs=0.001)


@pytest.mark.django_db
def test_distance_search_across_the_antimeridian_finds_the_neighbour_on_the_other_side(world: World) -> None:
    east = make_service(world.org, "Taveuni clinic", at=(-16.85, 179.95))
    west = make_service(world.org, "Vanua Balavu clinic", at=(-17.2, -178.95))
    make_service(world.org, "Far Suva clinic", at=(-18.14, 170.0))

    hits = near(world, (-17.0, -179.99), within_km=150)

    assert {h.service_id for h in hits} == {east.pk, west.pk}
    for hit in hits:
        service = Service.objects.get(pk=hit.service_id)
        location = service.service_at_locations.get().location
        assert hit.distance_km == pytest.approx(
            by_hand((-17.0, -179.99), (float(location.latitude), float(location.longitude)))  # type: ignore[arg-type]
        )


@pytest.mark.django_db
def test_the_radius_is_exact_not_the_box(world: World) -> None:
    # In the box's corner but 5.3 km away: outside a 5 km radius.
    corner = (round(NEW_YORK[0] + 0.0337, 6), round(NEW_YORK[1] + 0.0444, 6))
    make_service(world.org, "Corner pantry", at=corner)
    inside = make_service(world.org, "Inside pantry", at=north_of(NEW_YORK, 4.99))
    assert by_hand(NEW_YORK, corner) > 5

    assert [h.service_id for h in near(world, NEW_YORK, within_km=5)] == [inside.pk]
