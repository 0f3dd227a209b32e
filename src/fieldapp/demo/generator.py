"""Pure generation of demo customers and their purchase history (no database here).

Everything is drawn from one ``random.Random`` seeded by the caller, in a fixed
order, so a seed (plus the reference date) always yields the same data. The
output is in *storage form* — tuples in table-column order, with dates, flags
and JSON already converted by the column types' own bind processors — because
the loader inserts hundreds of thousands of rows and per-row SQLAlchemy
parameter processing would dominate the run time.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import accumulate
from typing import Any, Callable, Sequence

from sqlalchemy import Dialect, Table

from fieldapp.core.entities import derive_customer_class
from fieldapp.store.schema import customers as customers_table
from fieldapp.store.schema import purchase_history as purchase_table

from . import vocabulary as v

# Column order of the generated tuples (the tables' own order, so the loader can name them).
CUSTOMER_COLUMNS: tuple[str, ...] = tuple(c.name for c in customers_table.c)
PURCHASE_COLUMNS: tuple[str, ...] = tuple(c.name for c in purchase_table.c)
SEARCH_FIELDS_INDEX = {name: CUSTOMER_COLUMNS.index(name) for name in CUSTOMER_COLUMNS}

MONTHS = 12


@dataclass(frozen=True)
class Location:
    """A village, community or town centre: where a cluster of stores stands."""

    town: v.Town
    name: str  # 蓝田村 / 天华社区 / "" for a town centre
    place: str  # two-character place name used in store names (蓝田, 天华, or the town's short name)
    lat: float
    lon: float
    spread: float  # standard deviation of store positions around the centre (degrees)
    urban: bool
    weight: float  # share of the town's stores
    routes: tuple[tuple[str, str], ...] = ()  # (delivery route, ordering day) serving this place


def _weighted(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values = [p[0] for p in pairs]
    cum = list(accumulate(p[1] for p in pairs))
    return values, [c / cum[-1] for c in cum]


def _pick(rng_random: Callable[[], float], values: list[Any], cum: list[float]) -> Any:
    # bisect over cumulative weights: several times faster than rng.choices() per call
    return values[bisect(cum, rng_random())]


def _choice(rng_random: Callable[[], float], seq: Sequence[Any]) -> Any:
    # random.choice() goes through _randbelow (several calls); this is one float draw.
    return seq[int(rng_random() * len(seq))]


def _randint(rng_random: Callable[[], float], low: int, high: int) -> int:
    return low + int(rng_random() * (high - low + 1))


def _clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


ORDER_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat")


def build_locations(customers_total: int) -> list[list[Location]]:
    """The county's villages, communities and town seats, grouped by town (independent of the seed).

    Routes are sized for about 180 stores each, so the number of delivery routes
    grows with the number of customers, as it does in a real county. A town's
    places are taken in a sweep around its centre and cut into routes by their
    share of stores: a route serves neighbouring places, a big place several routes.
    """
    rng = random.Random("fieldapp-demo-geography")
    names = [a + b for a in v.PLACE_FIRST for b in v.PLACE_SECOND]
    rng.shuffle(names)
    names_iter = iter(names)
    total_weight = sum(t.weight for t in v.TOWNS)
    out: list[list[Location]] = []
    for town_index, town in enumerate(v.TOWNS):
        places: list[Location] = []
        for _ in range(rng.randint(6, 10) if town.urban else rng.randint(9, 15)):
            place = next(names_iter)
            scatter = 0.012 if town.urban else 0.035  # communities hug the centre; villages spread out
            places.append(Location(
                town, place + ("社区" if town.urban else "村"), place,
                _clamp(town.lat + rng.gauss(0, scatter), v.LAT_MIN, v.LAT_MAX),
                _clamp(town.lon + rng.gauss(0, scatter), v.LON_MIN, v.LON_MAX),
                0.004, town.urban, rng.uniform(0.6, 1.4)))
        places.sort(key=lambda p: math.atan2(p.lat - town.lat, p.lon - town.lon))
        if not town.urban:
            # The town seat (集镇): an urban market inside a rural town, about a quarter of its stores.
            seat = sum(p.weight for p in places) / 3
            places.insert(0, Location(town, "", town.short, town.lat, town.lon, 0.006, True, seat))

        n_routes = max(1, round(customers_total * town.weight / total_weight / 180))
        routes = [(f"{town.short}线{i + 1:02d}", ORDER_DAYS[(town_index + i) % len(ORDER_DAYS)])
                  for i in range(n_routes)]
        town_weight = sum(p.weight for p in places)
        start = 0.0
        for i, p in enumerate(places):
            end = start + p.weight / town_weight
            first = min(n_routes - 1, int(start * n_routes))
            last = max(first, min(n_routes - 1, math.ceil(end * n_routes - 1e-9) - 1))
            places[i] = replace(p, routes=tuple(routes[first:last + 1]))
            start = end
        out.append(places)
    return out


def _uuid_prefix(rng: random.Random) -> str:
    """``xxxxxxxx-xxxx-4xxx-yxxx-`` (UUID version 4 and variant bits) for ids of one load.

    Ids of one load share a random 74-bit prefix and end in a counter, so they are
    unique and *ascending*: the primary-key and foreign-key indexes are filled by
    appending instead of random B-tree inserts (about half the insert cost).
    """
    return "%08x-%04x-4%03x-%x%03x-" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
                                        8 + rng.getrandbits(2), rng.getrandbits(12))


class DemoGenerator:
    """Draws customers chunk by chunk; one instance per load.

    ``start_key`` is the first search key (and customer number) to use;
    ``taken_codes``/``taken_licences`` are values already in the profile, never reused.
    """

    def __init__(self, *, seed: int, total: int, today: date, dialect: Dialect, start_key: int = 1,
                 taken_codes: set[str] | frozenset[str] = frozenset(),
                 taken_licences: set[str] | frozenset[str] = frozenset(), timestamp: str = ""):
        self.rng = random.Random(seed)
        id_rng = random.Random(f"fieldapp-demo-ids:{seed}:{start_key}")
        self.customer_prefix = _uuid_prefix(id_rng)
        self.purchase_prefix = _uuid_prefix(id_rng)
        self.template_id = _uuid_prefix(id_rng) + "000000000000"
        self.today = today
        self.timestamp = timestamp
        self.next_key = start_key
        self.locations = build_locations(total)
        self.location_picks = [_weighted([(loc, loc.weight) for loc in town]) for town in self.locations]
        self.towns, self.town_cum = _weighted([(i, t.weight) for i, t in enumerate(v.TOWNS)])
        self.surnames, self.surname_cum = _weighted(v.SURNAMES)
        self.formats, self.format_cum = _weighted([((f, pats), w) for f, w, pats in v.FORMATS])
        self.brands, self.brand_cum = _weighted([((b, price), w) for b, w, price in v.BRANDS])
        self.ratings, self.rating_cum = _weighted([("AAA", 10), ("AA", 35), ("A", 40), ("B", 10), ("C", 3),
                                                   (None, 2)])
        self.date_proc = _processor(customers_table, "licence_expiry", dialect)
        self.json_proc = _processor(customers_table, "tags", dialect)
        self.months = _last_months(today, MONTHS)
        # Licence serials: distinct, random-looking, never one already in the profile.
        taken_serials = {int(x[6:]) for x in taken_licences if x.startswith(v.COUNTY_CODE) and x[6:].isdigit()}
        pool = self.rng.sample(range(100000, 1000000), min(900000, total + len(taken_serials)))
        self.serials = iter([s for s in pool if s not in taken_serials][:total])
        self.taken_codes = taken_codes
        self.code_counter = start_key

    # -- one customer ---------------------------------------------------------

    def _code(self) -> str:
        while True:
            code = f"{v.CODE_PREFIX}{self.code_counter:06d}"
            self.code_counter += 1
            if code not in self.taken_codes:
                return code

    def _phone(self, rand: Callable[[], float]) -> str:
        x = rand()
        if x < 0.88:
            return _choice(rand, v.MOBILE_PREFIXES) + "%08d" % int(rand() * 100000000)
        if x < 0.98:
            return f"{v.AREA_CODE}-8{int(rand() * 10000000):07d}"
        return ""

    def _expiry(self, rand: Callable[[], float]) -> date:
        x = rand()
        if x < 0.012:  # expired in the last three months: the store may not sell until renewed
            return self.today - timedelta(days=_randint(rand, 1, 90))
        if x < 0.045:  # expires within 30 days: an early warning for the visit plan
            return self.today + timedelta(days=_randint(rand, 0, 30))
        return self.today + timedelta(days=_randint(rand, 31, 5 * 365))  # licences run five years

    def customer(self) -> tuple[tuple[Any, ...], int]:
        """One customer row (storage form) and its grade."""
        r = self.rng
        rand = r.random
        town_index = _pick(rand, self.towns, self.town_cum)
        town = v.TOWNS[town_index]
        loc: Location = _pick(rand, *self.location_picks[town_index])
        fmt, patterns = _pick(rand, self.formats, self.format_cum)
        if not loc.urban and fmt in ("mall", "supermarket") and rand() < 0.7:
            fmt, patterns = "grocery", v.FORMATS[0][2]  # village shops are mostly small groceries
        surname = _pick(rand, self.surnames, self.surname_cum)
        given = _choice(rand, v.GIVEN_SECOND)
        if rand() < 0.72:  # most given names have two characters
            given = _choice(rand, v.GIVEN_FIRST) + given
        owner = surname + given
        village = loc.name or town.short + "集镇"
        store_name = _choice(rand, patterns).format(surname=surname, owner=owner, given=given, village=village,
                                                    place=loc.place, town=town.short, lucky=_choice(rand, v.LUCKY))
        if loc.urban:
            if town.urban:
                road = _choice(rand, v.ROADS)
                address = f"{v.COUNTY}{town.name}{loc.name}{road}{_randint(rand, 1, 399)}号"
            else:
                street = _choice(rand, v.TOWN_STREETS).format(short=town.short)
                address = f"{v.COUNTY}{town.name}{street}{_randint(rand, 1, 199)}号"
        else:
            address = f"{v.COUNTY}{town.name}{loc.name}{_randint(rand, 1, 18)}组{_randint(rand, 1, 120)}号"

        # Grade 1-30 from sales volume: most stores are small.
        grade = 1 + int(r.betavariate(1.15, 3.8) * 24)
        grade += {"supermarket": 5, "mall": 9, "convenience": 2, "hospitality": -1}.get(fmt, 0)
        grade += 2 if loc.urban else 0
        grade = max(1, min(30, grade))

        modern = rand() < {"convenience": 0.35, "supermarket": 0.45, "mall": 0.7}.get(fmt, 0.03)
        tags = [tag for tag, share in v.TAGS if rand() < share]
        if modern and rand() < 0.15:
            tags.append(v.TAG_MODERN_SHOWCASE)
        if not loc.urban and rand() < 0.5:
            tags.append(v.TAG_RURAL)
        if town.short in v.TOURIST_TOWNS and rand() < 0.12:
            tags.append(v.TAG_TOURIST)
        klass = derive_customer_class(grade, tags).value

        expiry = self._expiry(rand)
        x = rand()
        status = "active" if x < 0.962 else "suspended" if x < 0.985 else "closed"
        if expiry < self.today and rand() < 0.5:
            status = "suspended"
        if rand() < 0.96:
            lat = round(_clamp(loc.lat + r.gauss(0, loc.spread), v.LAT_MIN, v.LAT_MAX), 6)
            lon = round(_clamp(loc.lon + r.gauss(0, loc.spread), v.LON_MIN, v.LON_MAX), 6)
        else:
            lat = lon = None  # position never recorded
        route, order_day = _choice(rand, loc.routes)
        phone = self._phone(rand)
        rating = _pick(rand, self.ratings, self.rating_cum)
        ecommerce = rand() < 0.78
        needs = _choice(rand, v.NEEDS) if rand() < 0.06 else ""
        notes = _choice(rand, v.NOTES) if rand() < 0.05 else ""

        key = self.next_key
        self.next_key += 1
        cid = self.customer_prefix + "%012x" % key
        ts = self.timestamp
        # In CUSTOMER_COLUMNS order, i.e. the table's own column order.
        row = (cid, ts, ts, 0, 0, self._code(), f"{v.COUNTY_CODE}{next(self.serials):06d}",
               self.date_proc(expiry), store_name, owner, phone, address, lat, lon,
               "urban" if loc.urban else "rural", fmt, grade, klass, route, order_day, int(modern), rating,
               int(ecommerce), self.json_proc(tags), None, None, status, needs, notes, key)
        return row, grade

    # -- purchases --------------------------------------------------------------

    def purchase_plan(self, key: int, customer_id: str, grade: int) -> list[tuple[Any, ...]]:
        """What the customer buys: one row per brand (1-3), expanded to months by the loader.

        Returns ``(search_key, customer_id, slot, brand, avg_cartons, cents, chance)``
        tuples (:data:`PLAN_COLUMNS`): ``avg_cartons`` is the volume of an average month
        — it grows roughly geometrically with the grade (grade 1 about 6, grade 30
        about 170 cartons a month) and the main brand (slot 0) takes most of it;
        ``cents`` is this store's price per carton (its own mix of specifications);
        ``chance`` (per mille) is how likely an order of the brand is in a given
        month: the main brand every month, minor brands in most months.
        """
        rand = self.rng.random
        x = rand()
        if grade <= 10:
            n_brands = 1 if x < 0.55 else 2 if x < 0.92 else 3
        elif grade <= 20:
            n_brands = 2 if x < 0.55 else 3
        else:
            n_brands = 3
        chosen: list[tuple[str, float]] = []
        while len(chosen) < n_brands:
            brand = _pick(rand, self.brands, self.brand_cum)
            if brand not in chosen:
                chosen.append(brand)
        volume = 5.0 * 1.125 ** grade
        return [(key, customer_id, slot, brand, round(volume * share, 3), int(price * (95 + 10 * rand())), chance)
                for slot, ((brand, price), share, chance)
                in enumerate(zip(chosen, _BRAND_SHARES[n_brands], (1000, 850, 600)))]


PLAN_COLUMNS = ("search_key", "customer_id", "slot", "brand", "avg_cartons", "cents", "chance")
_BRAND_SHARES = {1: (1.0,), 2: (0.72, 0.28), 3: (0.6, 0.25, 0.15)}


def _processor(table: Table, column: str, dialect: Dialect) -> Callable[[Any], Any]:
    proc = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return proc or (lambda value: value)


def _last_months(today: date, count: int) -> list[tuple[str, float]]:
    """The ``count`` complete months before ``today`` (oldest first), with their seasonal factor."""
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append((f"{year:04d}-{month:02d}", v.SEASON[month]))
    return out[::-1]
