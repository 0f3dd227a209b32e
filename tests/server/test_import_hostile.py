"""``fieldsync import customers`` with files from the real world: GBK from Chinese Excel, BOMs, broken
bytes, formula-looking cells, control characters, and 100k lines read without loading the file whole."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldapp.core.validation import parse_customer
from fieldapp.store.customers import customer_to_values
from fieldsync import admin, customer_import
from fieldsync.cli import main
from fieldsync.core.config import Settings
from fieldsync.core.db import create_db_engine
from fieldsync.models import sync_rows

HEADER = "code,licence_no,licence_expiry,store_name,owner,phone,address,market_type,business_format,grade,route,tags,manager\n"


def row(i: int, store="王记便利店", owner="王建国", address="长沙县黄兴镇蓝田村12号", phone=None, manager="zhang",
        tags="近学校") -> str:
    phone = phone or f"138{i:08d}"
    return (f"C{i:05d},{430121100000 + i},2030-06-30,{store},{owner},{phone},{address},rural,grocery,12,R01,"
            f"{tags},{manager}\n")


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FIELDSYNC_PASSWORD_HASH", "fast")
    monkeypatch.setenv("FIELDSYNC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FIELDSYNC_DATABASE_URL", raising=False)

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    assert run("migrate")[0] == 0
    assert run("team", "add", "north")[0] == 0
    assert run("user", "add", "zhang", "--role", "manager", "--team", "north", stdin="managerpassword\n")[0] == 0
    return run


def customers(tmp_path) -> dict[str, dict]:
    engine = create_db_engine(Settings(data_dir=tmp_path / "data").effective_database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(sync_rows.c["values"]).where(sync_rows.c.entity == "customer")).scalars().all()
    engine.dispose()
    return {v["code"]: v for v in rows}


def write(path: Path, text: str, encoding: str, bom: bytes = b"") -> Path:
    path.write_bytes(bom + text.encode(encoding))
    return path


# --- encodings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "gb2312"])
def test_chinese_excel_csv_in_gbk_is_read(cli, tmp_path, encoding):
    path = write(tmp_path / "excel.csv", HEADER + row(1) + row(2, store="李记食杂店", owner="李四"), encoding)
    code, out, err = cli("import", "customers", str(path))
    assert code == 0, err
    assert "read as GB18030" in err and "Imported 2 new" in out
    got = customers(tmp_path)
    assert got["C00001"]["store_name"] == "王记便利店" and got["C00002"]["owner"] == "李四"
    assert got["C00001"]["tags"] == ["近学校"]


def test_gb18030_four_byte_characters(cli, tmp_path):
    rare = "𠀀记"  # outside GBK: four bytes in GB18030
    path = write(tmp_path / "g.csv", HEADER + row(1, store=rare), "gb18030")
    assert cli("import", "customers", str(path))[0] == 0
    assert customers(tmp_path)["C00001"]["store_name"] == rare


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_utf8_with_or_without_bom(cli, tmp_path, bom):
    path = write(tmp_path / "u.csv", HEADER + row(1), "utf-8", bom)
    code, out, err = cli("import", "customers", str(path))
    assert code == 0 and "Imported 1 new" in out and "read as" not in err
    assert customers(tmp_path)["C00001"]["code"] == "C00001"  # the BOM did not stick to the first column


def test_invalid_utf8_names_line_and_byte_and_imports_nothing(cli, tmp_path):
    text = (HEADER + row(1) + row(2) + row(3)).encode("utf-8")
    lines = text.split(b"\n")
    lines[3] = lines[3].replace("李".encode() if "李".encode() in lines[3] else "王".encode(), b"\xe7\xff", 1)
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\n".join(lines))
    code, out, err = cli("import", "customers", str(path))
    assert code == 1 and "Traceback" not in err
    assert "line 4" in err and "not valid UTF-8" in err and "0xe7" in err and "--encoding gb18030" in err
    assert customers(tmp_path) == {}


def test_invalid_gbk_bytes_name_the_line(cli, tmp_path):
    good = (HEADER + row(1) + row(2)).encode("gbk")
    path = tmp_path / "broken-gbk.csv"
    path.write_bytes(good + b"C00003,430121100003,2030-06-30,\xff\xfe\xfd,x,13800000003,y,rural,grocery,1,R,,zhang\n")
    code, _, err = cli("import", "customers", str(path))
    assert code == 1 and "line 4" in err and "GB18030" in err and "Traceback" not in err
    assert customers(tmp_path) == {}


def test_neither_utf8_nor_gb18030(cli, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(HEADER.encode() + b"C00001,430121100001,2030-06-30,\x80\xff,o,13800000001,a,rural,grocery,"
                                       b"1,R,,zhang\n")
    code, _, err = cli("import", "customers", str(path))
    assert code == 1 and "line 2" in err and "neither UTF-8 nor GB18030" in err


def test_utf16_is_refused_with_what_to_do(cli, tmp_path):
    path = write(tmp_path / "unicode.txt", HEADER + row(1), "utf-16")
    code, _, err = cli("import", "customers", str(path))
    assert code == 1 and "UTF-16" in err and "CSV UTF-8" in err


def test_explicit_encoding(cli, tmp_path):
    path = write(tmp_path / "gbk.csv", HEADER + row(1), "gbk")
    assert cli("import", "customers", str(path), "--encoding", "gbk")[0] == 0
    assert customers(tmp_path)["C00001"]["store_name"] == "王记便利店"
    for unknown in ("klingon", "base64", "rot13"):
        code, _, err = cli("import", "customers", str(path), "--encoding", unknown)
        assert code == 1 and "unknown encoding" in err and "Traceback" not in err
    code, _, err = cli("import", "customers", str(path), "--encoding", "utf-8")
    assert code == 1 and "line 2" in err and "not valid UTF-8" in err


def test_unreadable_and_malformed_files(cli, tmp_path):
    code, _, err = cli("import", "customers", str(tmp_path / "missing.csv"))
    assert code == 1 and "cannot read the file" in err and "Traceback" not in err
    path = write(tmp_path / "noheader.csv", "C1,x\n", "utf-8")
    code, _, err = cli("import", "customers", str(path))
    assert code == 1 and "header" in err
    path = write(tmp_path / "dup.csv", "code,store_name,code\nC1,x,C2\n", "utf-8")
    code, _, err = cli("import", "customers", str(path))
    assert code == 1 and "twice: code" in err
    path = write(tmp_path / "huge-cell.csv", HEADER + "C00001,1,2030-06-30,\"" + "x" * 200_000 + "\"\n", "utf-8")
    code, _, err = cli("import", "customers", str(path))
    assert code == 1 and "line" in err and "not readable as CSV" in err
    path = tmp_path / "one-long-line.csv"
    path.write_bytes(HEADER.encode() + b"x" * (customer_import.MAX_LINE_BYTES + 10))
    code, _, err = cli("import", "customers", str(path))
    assert code == 1 and "line 2 is longer than" in err


# --- hostile cells -----------------------------------------------------------------------------------------------

FORMULAS = ["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://evil.example\",\"点这里\")", "+SUM(1,2)", "-2+3+cmd|x",
            "@SUM(A1:A9)", "=1+1"]


def test_formula_cells_are_stored_as_text_and_flagged(cli, tmp_path):
    lines = [row(i + 1, store=f"\"{f.replace(chr(34), chr(34) * 2)}\"") for i, f in enumerate(FORMULAS)]
    lines.append(row(20, phone="0731-84561234"))
    lines.append(row(21, address="-"))  # a placeholder, not a formula
    path = write(tmp_path / "f.csv", HEADER + "".join(lines), "utf-8")
    code, out, err = cli("import", "customers", str(path))
    assert code == 0, err
    got = customers(tmp_path)
    for i, formula in enumerate(FORMULAS):
        assert got[f"C{i + 1:05d}"]["store_name"] == formula  # exactly the text, never evaluated
        assert f"line {i + 2}, store_name: starts with {formula[0]!r}" in err
    assert got["C00021"]["address"] == "-"
    assert "line 8," not in err and "line 9," not in err
    for harmless in ("+86 138 1234 5678", "-12.5", "+1", "-", "(0731) 8888-8888", "a=b"):
        assert not customer_import.looks_like_formula(harmless), harmless


def test_exports_neutralise_what_the_import_flags(tmp_path):
    writers = pytest.importorskip("fieldapp.exports.writers")
    assert set(customer_import.FORMULA_TRIGGERS) == set(writers.FORMULA_TRIGGERS)  # one definition of "formula"
    for formula in FORMULAS:
        assert customer_import.looks_like_formula(formula)
        assert writers.neutralise(formula) == "'" + formula
    out = tmp_path / "export.csv"
    writers.write_csv(out, ["store_name"], [[f] for f in FORMULAS])
    with open(out, encoding="utf-8-sig", newline="") as fh:
        cells = [r[0] for r in csv.reader(fh)][1:]
    assert cells == ["'" + f for f in FORMULAS]


def test_nul_is_an_error_and_control_characters_a_warning(cli, tmp_path):
    path = write(tmp_path / "c.csv", HEADER + row(1, owner="王\x00建国") + row(2, owner="李\x07四"), "utf-8")
    code, _, err = cli("import", "customers", str(path))
    assert code == 1 and "line 2: owner: contains a NUL character" in err
    assert "line 3, owner: contains control characters" in err
    code, out, err = cli("import", "customers", str(path), "--skip-invalid")
    assert code == 0 and set(customers(tmp_path)) == {"C00002"}


def test_ragged_lines_and_errors_are_reported_with_counts(cli, tmp_path):
    bad = "".join(row(i, manager="nobody") for i in range(1, 301))
    path = write(tmp_path / "r.csv", HEADER + row(1000) + "C9,1,2,3,4,5,6,7,8,9,10,11,12,13,14\n" + bad, "utf-8")
    code, _, err = cli("import", "customers", str(path))
    assert code == 1 and "line 3: more values than columns" in err
    assert "and 101 more line(s) with errors" in err and "Nothing imported: 301 line(s)" in err


def test_fast_values_match_the_store(tmp_path):
    customer, errors = parse_customer({"code": "C1", "store_name": "x", "tags": "a,b", "market_type": "rural",
                                       "licence_expiry": "2030-06-30", "grade": "12"})
    expected = customer_to_values(customer)
    assert customer_import.customer_values(customer) == expected


# --- size ------------------------------------------------------------------------------------------------------


def _peak_rss_growth(fn):
    from .test_hostile_input import PeakMemory

    status = Path("/proc/self/status")
    rss = lambda field: int(next(l for l in status.read_text().splitlines() if l.startswith(field)).split()[1])  # noqa: E731
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        with PeakMemory() as mem:
            result = fn()
        return result, mem.traced_peak
    before = rss("VmRSS:")
    result = fn()
    return result, (rss("VmHWM:") - before) * 1024


@pytest.mark.slow
def test_100k_lines_are_streamed_not_loaded(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", password_hash="fast")
    engine = create_db_engine(settings.effective_database_url)
    from fieldsync.migrate import upgrade_to_head

    upgrade_to_head(engine)
    admin.add_team(engine, settings, "north")
    admin.add_user(engine, settings, "zhang", "managerpassword", "manager", team="north")
    path = tmp_path / "big.csv"
    notes = "备注" * 400  # ~2.4 KB of UTF-8 per line: the file is far bigger than the memory allowed
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER.strip() + ",notes\n")
        for i in range(100_000):
            fh.write(row(i).rstrip("\n") + f",{notes}\n")
        fh.write("C99999999,bad,licence\n")  # one bad line at the end: nothing may be imported
    size = path.stat().st_size
    assert size > 200 * 1024 * 1024
    try:
        report, growth = _peak_rss_growth(lambda: admin.import_customers(engine, settings, path))
    finally:
        path.unlink()  # pytest keeps the temp folders of the last runs: not this one
    assert report.error_count == 1 and report.lines == 100_001 and report.imported == 0
    assert "line 100002" in report.errors[0]
    assert growth < 64 * 1024 * 1024, f"peak memory grew by {growth / 2**20:.0f} MiB for a {size / 2**20:.0f} MiB file"
    with engine.connect() as conn:
        assert conn.execute(select(sync_rows.c.row_id).where(sync_rows.c.entity == "customer")).first() is None
    engine.dispose()


def test_a_few_thousand_lines_are_written_in_batches(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", password_hash="fast")
    engine = create_db_engine(settings.effective_database_url)
    from fieldsync.migrate import upgrade_to_head

    upgrade_to_head(engine)
    admin.add_team(engine, settings, "north")
    admin.add_user(engine, settings, "zhang", "managerpassword", "manager", team="north")
    path = write(tmp_path / "b.csv", HEADER + "".join(row(i) for i in range(2500)), "gbk")
    report = admin.import_customers(engine, settings, path)
    assert (report.imported, report.error_count, report.encoding) == (2500, 0, "gb18030")
    path = write(tmp_path / "b2.csv", "code,route\n" + "".join(f"C{i:05d},R09\n" for i in range(2500)), "utf-8")
    report = admin.import_customers(engine, settings, path)
    assert (report.imported, report.updated) == (0, 2500)
    with engine.connect() as conn:
        values = conn.execute(select(sync_rows.c["values"]).where(sync_rows.c.entity == "customer")).scalars().all()
    assert len(values) == 2500 and {v["route"] for v in values} == {"R09"} and {v["owner"] for v in values} == {"王建国"}
    assert date.fromisoformat(values[0]["licence_expiry"]).year == 2030
    engine.dispose()


@pytest.mark.postgres
def test_import_on_postgres(pg_server, tmp_path):
    """Codes are looked up inside the stored JSON: the same on PostgreSQL."""
    h = pg_server
    path = write(tmp_path / "pg.csv", HEADER + row(1) + row(2, store="=HYPERLINK(1)"), "gbk")
    report = admin.import_customers(h.engine, h.settings, path)
    assert (report.imported, report.error_count, report.warning_count) == (2, 0, 1)
    path = write(tmp_path / "pg2.csv", "code,route\nC00001,R07\nZHANG1,R08\n", "utf-8")
    report = admin.import_customers(h.engine, h.settings, path)
    assert (report.imported, report.updated) == (0, 2)  # ZHANG1: a customer seeded before
    with h.engine.connect() as conn:
        routes = {v["code"]: v["route"] for v in conn.execute(
            select(sync_rows.c["values"]).where(sync_rows.c.entity == "customer")).scalars()}
    assert routes["C00001"] == "R07" and routes["ZHANG1"] == "R08"
