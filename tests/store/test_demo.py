"""Demo data: fill, determinism, validity, search, no journal, marker, refusal, cancel, CLI."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from fieldapp.cli import main
from fieldapp.core.entities import CustomerStatus, derive_customer_class
from fieldapp.core.validation import blocking, validate_customer
from fieldapp.demo import DemoCancelled, ProfileNotEmpty, generate_demo_profile, load_counter_checklist
from fieldapp.demo import vocabulary as v
from fieldapp.store.customers import CustomerQuery, count_customers, get_customer, save_customer, search_customer_ids
from fieldapp.store.db import write_transaction
from fieldapp.store.journal import pending_count
from fieldapp.store.meta import is_demo_profile
from fieldapp.store.migrate import open_profile_database
from fieldapp.store.profile import Profile
from fieldapp.store.schema import change_journal, checklist_templates, customers, profile_meta, purchase_history
from fieldapp.store.templates import DEFAULT_TEMPLATE_CODE, current_template
from tests.conftest import make_customer

TODAY = date(2026, 11, 23)
N = 300


def _count(conn, table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _fts_count(conn) -> int:
    return conn.execute(text("SELECT count(*) FROM customer_search")).scalar_one()


def _snapshot(engine) -> tuple[list, list]:
    """Customer and purchase rows without the load's timestamps."""
    with engine.connect() as conn:
        cust = [tuple(r) for r in conn.execute(
            select(*[c for c in customers.c if c.name not in ("created_at", "updated_at")]).order_by(customers.c.id))]
        purch = [tuple(r) for r in conn.execute(
            select(*[c for c in purchase_history.c if c.name not in ("created_at", "updated_at")])
            .order_by(purchase_history.c.id))]
    return cust, purch


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """One profile with N demo customers (seed 7), shared by the read-only tests."""
    engine = open_profile_database(Profile(tmp_path_factory.mktemp("demo") / "profile"))
    calls: list[tuple[int, int]] = []
    summary = generate_demo_profile(engine, N, seed=7, progress=lambda d, t: calls.append((d, t)), today=TODAY)
    yield engine, summary, calls
    engine.dispose()


def test_fill_counts_and_summary(filled):
    engine, summary, calls = filled
    assert summary.customers == N and summary.months == 12 and summary.seed == 7
    assert summary.first_search_key == 1 and summary.template_added
    with engine.connect() as conn:
        assert count_customers(conn) == N
        assert _count(conn, purchase_history) == summary.purchases
        assert _fts_count(conn) == N
        keys = sorted(conn.execute(select(customers.c.search_key)).scalars())
        assert keys == list(range(1, N + 1))
        # Every customer bought something in each of the last 12 complete months.
        per_customer = conn.execute(text(
            "SELECT customer_id, count(DISTINCT month), min(month), max(month), count(DISTINCT brand) "
            "FROM purchase_history GROUP BY customer_id")).all()
        assert len(per_customer) == N
        assert {(r[1], r[2], r[3]) for r in per_customer} == {(12, "2025-11", "2026-10")}
        assert {r[4] for r in per_customer} <= {1, 2, 3}
        bad = conn.execute(select(func.count()).select_from(purchase_history).where(
            (purchase_history.c.cartons <= 0) | (purchase_history.c.amount_yuan <= 0))).scalar_one()
        assert bad == 0
    assert calls[-1] == (N, N)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_every_customer_is_valid_and_plausible(filled):
    engine, _summary, _calls = filled
    with engine.connect() as conn:
        ids = list(conn.execute(select(customers.c.id)).scalars())
        loaded = [get_customer(conn, cid) for cid in ids]
    licences, codes, expired, soon = set(), set(), 0, 0
    for c in loaded:
        errors = validate_customer(c, today=TODAY)
        assert blocking(errors) == [], (c.store_name, [e.render() for e in errors])
        assert {e.field for e in errors} <= {"licence_expiry"}  # the only warning: an expired licence
        assert c.customer_class == derive_customer_class(c.grade, c.tags)
        assert re.fullmatch(v.COUNTY_CODE + r"\d{6}", c.licence_no)
        assert c.address.startswith(v.COUNTY) and c.route and c.order_day is not None
        assert any(c.owner.startswith(surname) for surname, _ in v.SURNAMES) and len(c.owner) <= 4
        assert re.search(r"(店|部|超市|百货|广场|商场|商行|行|室|宾馆|酒店|茶楼)$", c.store_name)
        assert re.fullmatch(v.CODE_PREFIX + r"\d{6}", c.code)
        if c.latitude is not None:
            assert v.LAT_MIN <= c.latitude <= v.LAT_MAX and v.LON_MIN <= c.longitude <= v.LON_MAX
        licences.add(c.licence_no)
        codes.add(c.code)
        expired += c.licence_expiry < TODAY
        soon += TODAY <= c.licence_expiry <= TODAY + timedelta(days=30)
    assert len(licences) == N and len(codes) == N
    assert expired >= 1 and soon >= 3
    assert sum(c.status is CustomerStatus.ACTIVE for c in loaded) > 0.9 * N
    grades = [c.grade for c in loaded]
    assert sum(g <= 10 for g in grades) > N / 2 > sum(g > 20 for g in grades)  # most stores are small
    assert any(c.tags for c in loaded) and any(c.needs for c in loaded)


def test_search_finds_demo_stores_by_two_character_substrings(filled):
    engine, _summary, _calls = filled
    with engine.connect() as conn:
        sample = [get_customer(conn, cid) for cid in conn.execute(
            select(customers.c.id).order_by(customers.c.search_key).limit(12)).scalars()]
        for c in sample:
            place = re.search(r"(?:街道|镇)(..)", c.address).group(1)  # village, community or street
            for fragment in (c.store_name[-4:-2], c.store_name[:2], c.owner[:2], place, c.phone[-4:] or c.code):
                assert c.id in search_customer_ids(conn, CustomerQuery(text=fragment)), (fragment, c.store_name)
        # A substring no store, owner or address contains finds nothing.
        assert search_customer_ids(conn, CustomerQuery(text="北京")) == []


def test_demo_data_is_not_journaled_and_profile_is_marked(filled):
    engine, _summary, _calls = filled
    with engine.connect() as conn:
        assert pending_count(conn) == 0
        assert _count(conn, change_journal) == 0
        assert is_demo_profile(conn)
        assert set(conn.execute(select(customers.c.version)).scalars()) == {0}


def test_counter_checklist_template_is_loaded(filled):
    engine, _summary, _calls = filled
    bundled = load_counter_checklist()
    assert bundled.code == DEFAULT_TEMPLATE_CODE
    assert sum(i.weight for i in bundled.items) == 100
    assert {"licence_displayed", "minors_sign", "no_counterfeit"} <= {i.key for i in bundled.items}
    with engine.connect() as conn:
        stored = current_template(conn)
    assert stored is not None
    assert (stored.code, stored.version, stored.items) == (bundled.code, bundled.version, bundled.items)


def test_same_seed_same_data_other_seed_other_data(tmp_path):
    engines = [open_profile_database(Profile(tmp_path / name)) for name in ("a", "b", "c")]
    try:
        for engine, seed in zip(engines, (5, 5, 6)):
            generate_demo_profile(engine, 120, seed=seed, today=TODAY)
        a, b, c = (_snapshot(e) for e in engines)
    finally:
        for engine in engines:
            engine.dispose()
    assert a == b
    assert a[0] != c[0] and a[1] != c[1]


def test_refuses_a_profile_with_customers_unless_forced(engine):
    with write_transaction(engine) as conn:
        # The code the generator would give its first customer: it must skip it.
        save_customer(conn, make_customer(code="CSX000002"))
    with pytest.raises(ProfileNotEmpty) as refused:
        generate_demo_profile(engine, 50, today=TODAY)
    assert "--force" in refused.value.message.render()
    with engine.connect() as conn:
        assert count_customers(conn) == 1 and _count(conn, purchase_history) == 0
        assert not is_demo_profile(conn) and pending_count(conn) == 1

    summary = generate_demo_profile(engine, 50, today=TODAY, force=True)
    again = generate_demo_profile(engine, 50, today=TODAY, force=True)  # same seed: no id or code clash
    assert summary.first_search_key == 2 and again.first_search_key == 52 and not again.template_added
    with engine.connect() as conn:
        assert count_customers(conn) == 101 and _fts_count(conn) == 101
        codes = list(conn.execute(select(customers.c.code)).scalars())
        assert len(set(codes)) == len(codes)
        assert pending_count(conn) == 1  # only the user's own customer waits for sync
        assert search_customer_ids(conn, CustomerQuery(text="王记便利")) != []


@pytest.mark.parametrize("stop_after", [0, 1])
def test_cancel_rolls_everything_back(engine, monkeypatch, stop_after):
    monkeypatch.setattr("fieldapp.demo.loader.CHUNK", 40)
    progressed: list[int] = []
    with pytest.raises(DemoCancelled):
        generate_demo_profile(engine, 200, progress=lambda done, total: progressed.append(done),
                              cancel=lambda: len(progressed) > stop_after, today=TODAY)
    assert progressed == [40, 80][:stop_after + 1]
    with engine.connect() as conn:
        assert count_customers(conn) == 0 and _count(conn, purchase_history) == 0 and _fts_count(conn) == 0
        assert _count(conn, checklist_templates) == 0 and not is_demo_profile(conn)
        assert conn.execute(select(profile_meta.c.value).where(profile_meta.c.key == "demo")).first() is None
    # The profile is still usable and empty: a later load succeeds.
    assert generate_demo_profile(engine, 10, today=TODAY).customers == 10


def test_cancel_after_the_last_chunk_still_rolls_back(engine):
    with pytest.raises(DemoCancelled):
        generate_demo_profile(engine, 30, progress=lambda d, t: None, cancel=iter([False, True]).__next__,
                              today=TODAY)
    with engine.connect() as conn:
        assert count_customers(conn) == 0 and _fts_count(conn) == 0


@pytest.mark.parametrize("bad", [0, -1, 100_001])
def test_generator_rejects_bad_counts(engine, bad):
    with pytest.raises(ValueError):
        generate_demo_profile(engine, bad)


# --- CLI -----------------------------------------------------------------------


def test_cli_fills_a_profile_then_refuses_without_force(tmp_path, capsys):
    data_dir = tmp_path / "cli-profile"
    assert main(["--data-dir", str(data_dir), "demo", "--customers", "40", "--seed", "3"]) == 0
    out, err = capsys.readouterr()
    assert "customers:  40" in out and str(data_dir) in out and "purchases:" in out
    assert "40 / 40" in err  # progress line

    assert main(["--data-dir", str(data_dir), "demo", "--customers", "40"]) == 1
    out, err = capsys.readouterr()
    assert "--force" in err and out == ""

    assert main(["demo", "--data-dir", str(data_dir), "--customers", "5", "--force"]) == 0
    engine = open_profile_database(Profile(data_dir))
    try:
        with engine.connect() as conn:
            assert count_customers(conn) == 45 and is_demo_profile(conn) and pending_count(conn) == 0
    finally:
        engine.dispose()


@pytest.mark.parametrize("value", ["0", "-5", "100001", "many", "2.5"])
def test_cli_rejects_bad_customer_counts(tmp_path, capsys, value):
    with pytest.raises(SystemExit) as exited:
        main(["--data-dir", str(tmp_path / "p"), "demo", f"--customers={value}"])
    assert exited.value.code == 2
    assert "--customers" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()


def test_cli_reports_a_database_it_must_not_open(tmp_path, capsys):
    data_dir = tmp_path / "broken"
    data_dir.mkdir()
    (data_dir / "fieldapp.sqlite3").write_bytes(b"this is not a database at all" * 100)
    assert main(["--data-dir", str(data_dir), "demo", "--customers", "5"]) == 1
    err = capsys.readouterr().err
    assert "fieldapp.sqlite3" in err
    assert (data_dir / "fieldapp.sqlite3").read_bytes().startswith(b"this is not a database")
