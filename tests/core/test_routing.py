"""Route ordering: nearest neighbour + 2-opt/Or-opt on haversine distances.

Hand-computed examples put stops on the equator, where one degree of longitude
is exactly EARTH_RADIUS_KM * pi / 180 km, so route lengths are whole degrees.
"""

from __future__ import annotations

import math
import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.core.entities import Customer
from fieldapp.core.routing import (
    EARTH_RADIUS_KM,
    Stop,
    _two_opt,
    haversine_km,
    nearest_neighbour_route,
    order_route,
    route_length_km,
    valid_position,
)

DEG = EARTH_RADIUS_KM * math.pi / 180  # km per degree along the equator


def on_equator(*lons: float) -> list[Stop]:
    return [Stop(f"s{lon:g}", 0.0, lon) for lon in lons]


def keys(stops) -> list[str]:
    return [s.key for s in stops]


def test_haversine_one_degree_on_the_equator():
    assert haversine_km((0.0, 0.0), (0.0, 1.0)) == pytest.approx(DEG, rel=1e-12)
    assert DEG == pytest.approx(111.195, abs=1e-3)


def test_haversine_matches_closed_forms():
    assert haversine_km((0.0, 0.0), (90.0, 0.0)) == pytest.approx(EARTH_RADIUS_KM * math.pi / 2)
    assert haversine_km((0.0, 0.0), (0.0, 180.0)) == pytest.approx(EARTH_RADIUS_KM * math.pi)
    # Changsha to Wuhan, against the spherical law of cosines.
    a, b = (28.2282, 112.9388), (30.5928, 114.3055)
    p1, p2, dl = math.radians(a[0]), math.radians(b[0]), math.radians(b[1] - a[1])
    expected = EARTH_RADIUS_KM * math.acos(math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl))
    assert haversine_km(a, b) == pytest.approx(expected, rel=1e-9)
    assert haversine_km(a, b) == haversine_km(b, a)


def test_ordered_route_is_shorter_than_the_unordered_list():
    stops = on_equator(3, 1, 2, 4)
    start = (0.0, 0.0)
    # Input order: 0 -> 3 -> 1 -> 2 -> 4 = 3 + 2 + 1 + 2 = 8 degrees; best: 0 -> 1 -> 2 -> 3 -> 4 = 4.
    assert route_length_km(stops, start) == pytest.approx(8 * DEG)
    ordered = order_route(stops, start)
    assert keys(ordered) == ["s1", "s2", "s3", "s4"]
    assert route_length_km(ordered, start) == pytest.approx(4 * DEG)
    assert route_length_km(ordered, start) < route_length_km(stops, start)
    assert route_length_km(ordered, start) <= route_length_km(nearest_neighbour_route(stops, start), start)


def test_improvement_fixes_the_stop_nearest_neighbour_leaves_behind():
    stops = on_equator(1, 2, 3, -1.1)
    start = (0.0, 0.0)
    nn = nearest_neighbour_route(stops, start)
    # Greedy: 0 -> 1 -> 2 -> 3, then all the way back to -1.1: 1 + 1 + 1 + 4.1 = 7.1 degrees.
    assert keys(nn) == ["s1", "s2", "s3", "s-1.1"]
    assert route_length_km(nn, start) == pytest.approx(7.1 * DEG)
    ordered = order_route(stops, start)
    # -1.1 first, then east: 1.1 + 2.1 + 1 + 1 = 5.2 degrees.
    assert keys(ordered) == ["s-1.1", "s1", "s2", "s3"]
    assert route_length_km(ordered, start) == pytest.approx(5.2 * DEG)


def test_two_opt_uncrosses_a_segment():
    # Nodes 0 (start) at x=0, 1..4 at x = 2, 1, 3, 4, node 5 a free end (distance 0 to all).
    xs = [0, 2, 1, 3, 4]
    d = [[abs(a - b) for b in xs] + [0.0] for a in xs] + [[0.0] * 6]
    tour = _two_opt(d, [0, 1, 2, 3, 4, 5], max_passes=10)
    assert tour == [0, 2, 1, 3, 4, 5]  # x: 0, 1, 2, 3, 4 -> length 4 instead of 2 + 1 + 2 + 1 = 6


def test_without_start_the_route_may_begin_anywhere():
    stops = on_equator(2, 4, 1, 3, 0)
    ordered = order_route(stops)
    assert keys(ordered) in (["s0", "s1", "s2", "s3", "s4"], ["s4", "s3", "s2", "s1", "s0"])
    assert route_length_km(ordered) == pytest.approx(4 * DEG)


def test_round_trip_back_to_start():
    stops = on_equator(1, -1)
    start = (0.0, 0.0)
    ordered = order_route(stops, start, return_to_start=True)
    assert route_length_km(ordered, start, return_to_start=True) == pytest.approx(4 * DEG)
    assert route_length_km(ordered, start) == pytest.approx(3 * DEG)


def test_stops_without_position_go_last_in_original_order():
    stops = [Stop("none-a"), Stop("e3", 0.0, 3.0), Stop("half", 0.0, None), Stop("e1", 0.0, 1.0),
             Stop("bad-lat", 95.0, 1.0), Stop("nan", math.nan, 1.0), Stop("e2", 0.0, 2.0)]
    ordered = order_route(stops, (0.0, 0.0))
    assert keys(ordered) == ["e1", "e2", "e3", "none-a", "half", "bad-lat", "nan"]
    # ... and route_length_km skips them.
    assert route_length_km(ordered, (0.0, 0.0)) == pytest.approx(3 * DEG)


def test_trivial_inputs():
    assert order_route([]) == []
    assert order_route([], (0.0, 0.0)) == []
    one = Stop("x", 1.0, 1.0)
    assert order_route([one], (0.0, 0.0)) == [one]
    assert route_length_km([]) == 0.0
    assert route_length_km([one]) == 0.0
    assert route_length_km([one], (0.0, 0.0)) == pytest.approx(haversine_km((0.0, 0.0), (1.0, 1.0)))


def test_invalid_start_is_ignored():
    stops = on_equator(2, 1)
    assert len(order_route(stops, (float("nan"), 0.0))) == 2
    assert route_length_km(stops, (200.0, 0.0)) == pytest.approx(DEG)


def test_valid_position():
    assert valid_position(28.1, 113.2) == (28.1, 113.2)
    assert valid_position(None, 113.2) is None
    assert valid_position(True, 1.0) is None
    assert valid_position("28", 113) is None
    assert valid_position(-90, 180) == (-90.0, 180.0)
    assert valid_position(0, 180.5) is None


def test_routes_entities_with_latitude_and_longitude():
    customers = [Customer(code="B", latitude=0.0, longitude=2.0), Customer(code="A", latitude=0.0, longitude=1.0),
                 Customer(code="X")]
    assert [c.code for c in order_route(customers, (0.0, 0.0))] == ["A", "B", "X"]


def test_deterministic():
    rng = random.Random(7)
    stops = [Stop(str(n), 28 + rng.random() * 0.3, 113 + rng.random() * 0.3) for n in range(40)]
    assert order_route(stops, (28.1, 113.1)) == order_route(list(stops), (28.1, 113.1))


def test_sixty_stops_well_under_50_ms():
    rng = random.Random(60)
    stops = [Stop(str(n), 28 + rng.random() * 0.36, 112.85 + rng.random() * 0.4) for n in range(60)]
    best = math.inf
    for _ in range(5):
        started = time.perf_counter()
        ordered = order_route(stops, (28.19, 113.05))
        best = min(best, time.perf_counter() - started)
    assert best < 0.050
    assert route_length_km(ordered, (28.19, 113.05)) < route_length_km(stops, (28.19, 113.05)) / 2


# --------------------------------------------------------------------------- properties

coordinate = st.one_of(
    st.none(),
    st.tuples(st.floats(27.5, 28.5, allow_nan=False), st.floats(112.5, 113.5, allow_nan=False)),
)


@settings(max_examples=200, deadline=None)
@given(positions=st.lists(coordinate, max_size=25),
       start=st.one_of(st.none(), st.tuples(st.floats(27.5, 28.5), st.floats(112.5, 113.5))),
       round_trip=st.booleans())
def test_route_is_a_permutation_never_longer_than_nearest_neighbour(positions, start, round_trip):
    stops = [Stop(str(n), *(p if p else (None, None))) for n, p in enumerate(positions)]
    ordered = order_route(stops, start, return_to_start=round_trip)
    greedy = nearest_neighbour_route(stops, start, return_to_start=round_trip)
    assert sorted(keys(ordered), key=int) == keys(stops)
    assert sorted(keys(greedy), key=int) == keys(stops)
    # Positioned stops first, the rest after them in their original order.
    unplaced = [s.key for s in stops if s.latitude is None]
    assert keys(ordered)[len(stops) - len(unplaced):] == unplaced
    length = route_length_km(ordered, start, return_to_start=round_trip)
    assert length <= route_length_km(greedy, start, return_to_start=round_trip) + 1e-6


@settings(max_examples=100, deadline=None)
@given(positions=st.lists(st.tuples(st.floats(27.5, 28.5), st.floats(112.5, 113.5)), min_size=2, max_size=15))
def test_route_is_locally_optimal_under_2opt(positions):
    # No single segment reversal of the result makes it shorter (open path from start).
    stops = [Stop(str(n), lat, lon) for n, (lat, lon) in enumerate(positions)]
    start = (28.0, 113.0)
    ordered = order_route(stops, start)
    length = route_length_km(ordered, start)
    for i in range(len(ordered)):
        for j in range(i + 1, len(ordered)):
            candidate = ordered[:i] + ordered[i:j + 1][::-1] + ordered[j + 1:]
            assert route_length_km(candidate, start) >= length - 1e-6
