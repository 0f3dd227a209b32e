"""The ``fieldsync`` administration commands, run in-process on a temporary data folder."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from fieldsync.cli import main
from fieldsync.core.config import Settings
from fieldsync.core.db import create_db_engine
from fieldsync.models import cover_periods, sync_rows, users

HEADER = ("code,licence_no,licence_expiry,store_name,owner,phone,address,market_type,business_format,grade,"
          "route,tags,manager\n")


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
    return run


def _engine(tmp_path):
    return create_db_engine(Settings(data_dir=tmp_path / "data").effective_database_url)


def _customers(tmp_path) -> dict[str, dict]:
    engine = _engine(tmp_path)
    with engine.connect() as conn:
        rows = conn.execute(select(sync_rows.c["values"], sync_rows.c.version).where(
            sync_rows.c.entity == "customer")).all()
    engine.dispose()
    return {r[0]["code"]: dict(r[0], _version=r[1]) for r in rows}


def _setup_team(cli):
    assert cli("user", "add", "lead1", "--role", "lead", stdin="leadpassword\n")[0] == 0
    code, out, _ = cli("team", "add", "north", "--lead", "lead1")
    assert code == 0 and "north" in out
    for name in ("zhang", "li"):
        assert cli("user", "add", name, "--role", "manager", "--team", "north", "--display-name", name.upper(),
                   stdin="managerpassword\n")[0] == 0


def test_users_and_teams(cli, tmp_path):
    _setup_team(cli)
    code, _, err = cli("user", "add", "zhang", "--role", "manager", stdin="managerpassword\n")
    assert code == 1 and "already exists" in err
    code, _, err = cli("user", "add", "wang", "--role", "manager", stdin="short\n")
    assert code == 1 and "8 characters" in err
    code, _, err = cli("user", "add", "wang", "--role", "manager", "--team", "nowhere", stdin="managerpassword\n")
    assert code == 1 and "no team" in err
    assert cli("user", "passwd", "zhang", stdin="anotherpassword\n")[0] == 0
    assert cli("user", "disable", "li")[0] == 0
    code, out, _ = cli("user", "list")
    assert "li\tmanager\tnorth\tdisabled" in out and "zhang\tmanager\tnorth\tactive" in out
    engine = _engine(tmp_path)
    with engine.connect() as conn:
        zhang = conn.execute(select(users).where(users.c.username == "zhang")).mappings().one()
    engine.dispose()
    assert zhang["display_name"] == "ZHANG" and zhang["password_hash"].startswith("$argon2id$")
    with pytest.raises(SystemExit):
        cli("user", "add", "x", "--role", "superuser")


def test_import_customers_reports_errors_by_line_and_imports_nothing(cli, tmp_path):
    _setup_team(cli)
    csv_path = tmp_path / "customers.csv"
    csv_path.write_text(HEADER +
                        "C001,430121100001,2030-06-30,王记便利店,王建国,13812345678,蓝田村12号,rural,grocery,12,R01,近学校,zhang\n"
                        "C002,12345,2030-06-30,李记食杂店,李四,13812345679,蓝田村13号,rural,grocery,12,R01,,zhang\n"
                        "C003,430121100003,2030-06-30,陈记超市,陈五,13812345670,蓝田村14号,urban,supermarket,40,R02,,nobody\n"
                        "C001,430121100004,2030-06-30,重复,赵六,13812345671,蓝田村15号,rural,grocery,3,R01,,li\n",
                        encoding="utf-8")
    code, _, err = cli("import", "customers", str(csv_path))
    assert code == 1 and "Nothing imported" in err
    assert "line 3:" in err and "12 digits" in err           # the licence number
    assert "line 4:" in err and "nobody" in err and "grade" in err.lower()
    assert "line 5:" in err and "line 2" in err               # duplicate code
    assert "line 2:" not in err
    assert _customers(tmp_path) == {}
    code, out, err = cli("import", "customers", str(csv_path), "--skip-invalid")
    assert code == 0 and "Imported 1 new" in out and "skipped 3" in out
    customers = _customers(tmp_path)
    assert set(customers) == {"C001"} and customers["C001"]["tags"] == ["近学校"]
    assert customers["C001"]["customer_class"] == "B"


def test_reimport_updates_and_assign_and_cover(cli, tmp_path):
    _setup_team(cli)
    csv_path = tmp_path / "c.csv"
    csv_path.write_text(HEADER + "C001,430121100001,2030-06-30,王记,王建国,13812345678,蓝田村12号,rural,grocery,12,R01,,zhang\n",
                        encoding="utf-8")
    assert cli("import", "customers", str(csv_path))[0] == 0
    csv_path.write_text("code,store_name\nC001,王记便利店(新)\n", encoding="utf-8")
    code, out, _ = cli("import", "customers", str(csv_path))
    assert code == 0 and "updated 1" in out
    c = _customers(tmp_path)["C001"]
    assert c["store_name"] == "王记便利店(新)" and c["route"] == "R01" and c["_version"] == 2  # other fields kept
    code, out, _ = cli("assign", "C001", "li", "--backup", "zhang")
    assert code == 0 and "assigned to li" in out
    engine = _engine(tmp_path)
    with engine.connect() as conn:
        ids = dict(conn.execute(select(users.c.username, users.c.id)).all())
    c = _customers(tmp_path)["C001"]
    assert (c["manager_id"], c["backup_manager_id"], c["_version"]) == (ids["li"], ids["zhang"], 3)
    assert cli("assign", "NOPE", "li")[0] == 1

    today = date.today()
    code, out, _ = cli("cover", "add", "zhang", "--backup", "li", "--from", str(today),
                       "--to", str(today + timedelta(days=5)))
    assert code == 0 and "li covers zhang" in out
    # A and B never take leave at the same time.
    code, _, err = cli("cover", "add", "li", "--backup", "zhang", "--from", str(today + timedelta(days=3)),
                       "--to", str(today + timedelta(days=8)))
    assert code == 1 and "cannot be away at the same time" in err
    code, _, err = cli("cover", "add", "zhang", "--backup", "li", "--from", str(today + timedelta(days=2)),
                       "--to", str(today + timedelta(days=3)))
    assert code == 1 and "already has a cover period" in err
    code, _, err = cli("cover", "add", "li", "--backup", "zhang", "--from", str(today + timedelta(days=6)),
                       "--to", str(today + timedelta(days=4)))
    assert code == 1 and "ends before it starts" in err
    assert cli("cover", "add", "li", "--backup", "zhang", "--from", str(today + timedelta(days=6)),
               "--to", str(today + timedelta(days=9)))[0] == 0
    with engine.connect() as conn:
        assert len(conn.execute(select(cover_periods)).all()) == 2
    engine.dispose()


def test_template_import(cli, tmp_path):
    template = {"code": "counter", "name_zh": "柜台检查", "name_en": "Counter check", "version": 1,
                "items": [{"key": "clean", "label_zh": "柜台整洁", "label_en": "Counter clean"},
                          {"key": "price", "label_zh": "明码标价", "label_en": "Prices marked", "kind": "note",
                           "weight": 2}]}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(template, ensure_ascii=False), encoding="utf-8")
    assert cli("template", "import", str(path))[0] == 0
    assert cli("template", "import", str(path))[0] == 0  # the same again: nothing changes
    template["items"][0]["label_en"] = "Counter tidy"
    path.write_text(json.dumps(template), encoding="utf-8")
    code, _, err = cli("template", "import", str(path))
    assert code == 1 and "new version" in err
    template["version"] = 2
    path.write_text(json.dumps([template]), encoding="utf-8")
    assert cli("template", "import", str(path))[0] == 0
    path.write_text(json.dumps({"code": "x", "items": [{"key": "a", "kind": "maybe"}]}), encoding="utf-8")
    code, _, err = cli("template", "import", str(path))
    assert code == 1 and "name_zh is required" in err and "kind must be one of" in err
    engine = _engine(tmp_path)
    with engine.connect() as conn:
        versions = sorted(r[0]["template_version"] for r in conn.execute(
            select(sync_rows.c["values"]).where(sync_rows.c.entity == "checklist_template")))
    engine.dispose()
    assert versions == [1, 2]


def test_demo_and_purge(cli, tmp_path):
    code, out, _ = cli("demo")
    assert code == 0 and "Demo password: fieldapp-demo" in out
    code, out, _ = cli("demo")
    assert code == 0 and "already exist" in out
    assert len(_customers(tmp_path)) == 24
    code, out, _ = cli("purge")
    assert code == 0 and "Removed 0 tombstone(s)" in out
    assert cli("device", "revoke", "zhang")[0] == 0
