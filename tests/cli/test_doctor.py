"""``fieldapp doctor``: reports without changing anything, with meaningful exit codes."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fieldapp.cli import main
from fieldapp.commands.doctor import EXIT_HEALTHY, EXIT_NO_DATABASE, EXIT_PROBLEM, EXIT_UPGRADE_PENDING
from fieldapp.store.migrate import backup_database, head_revision, list_backups, open_profile_database
from fieldapp.store.profile import Profile
from tests.store.dbtools import (
    create_database_at,
    damage_page,
    digest,
    fill_customer_data,
    make_foreign_sqlite,
    read_revision,
)


def doctor(profile: Profile, capsys, *extra: str) -> tuple[int, str]:
    code = main(["--data-dir", str(profile.data_dir), "doctor", *extra])
    return code, capsys.readouterr().out


def doctor_json(profile: Profile, capsys) -> tuple[int, dict]:
    code, out = doctor(profile, capsys, "--json")
    report = json.loads(out)
    assert report["exit_code"] == code
    return code, report


@pytest.fixture
def healthy(profile: Profile) -> Profile:
    engine = open_profile_database(profile)
    fill_customer_data(engine)  # 5 customers (1 deleted), 5 purchases, 1 template, 3 of 12 changes acked
    engine.dispose()
    return profile


@pytest.fixture
def old(profile: Profile) -> Profile:
    engine = create_database_at(profile, "0001")
    fill_customer_data(engine)
    engine.dispose()
    return profile


def test_healthy_profile(healthy, capsys):
    before = digest(healthy.db_path)
    code, out = doctor(healthy, capsys)
    assert code == EXIT_HEALTHY == 0
    assert str(healthy.data_dir) in out and str(healthy.db_path) in out
    assert f"Schema:           {head_revision()} (this FieldApp: {head_revision()}) - up to date" in out
    assert "Integrity check:  ok" in out
    assert "Journal mode:     WAL" in out
    assert "Demo data:        no" in out
    assert "Customers:        4 live, 1 deleted" in out
    assert "Purchases:        5" in out and "Templates:        1" in out
    assert "Visits:           0" in out and "Follow-ups:       0 (0 open)" in out
    assert "Pending changes:  9 not yet synced" in out
    assert "Status: HEALTHY" in out
    assert digest(healthy.db_path) == before


def test_json_report(healthy, capsys):
    code, report = doctor_json(healthy, capsys)
    assert code == 0
    assert report["status"] == "healthy" and report["state"] == "current"
    assert report["data_dir"] == str(healthy.data_dir)
    assert report["database"]["path"] == str(healthy.db_path)
    assert report["database"]["size_bytes"] == healthy.db_path.stat().st_size
    assert report["schema"] == {"revision": head_revision(), "head": head_revision()}
    assert report["integrity"] == {"checked": True, "ok": True, "errors": []}
    assert report["journal_mode"] == "wal"
    assert report["demo"] is False
    counts = report["counts"]
    assert (counts["customers_live"], counts["customers_deleted"], counts["purchases"], counts["templates"],
            counts["visits"], counts["follow_ups"], counts["search_entries"]) == (4, 1, 5, 1, 0, 0, 4)
    assert report["pending_changes"] == 9 and report["oldest_pending"]
    assert report["backups"] == [] and report["warnings"] == []


def test_demo_profile_and_backups_are_reported(healthy, capsys):
    conn = sqlite3.connect(healthy.db_path)
    conn.execute("INSERT INTO profile_meta (key, value) VALUES ('demo', '1')")
    conn.commit()
    conn.close()
    backup = backup_database(healthy, "manual")
    code, out = doctor(healthy, capsys)
    assert code == 0
    assert "Demo data:        yes" in out
    assert "Backups:          1" in out and backup.name in out
    _, report = doctor_json(healthy, capsys)
    assert report["demo"] is True
    assert [b["path"] for b in report["backups"]] == [str(backup)]


def test_search_index_out_of_step_is_a_warning(healthy, capsys):
    conn = sqlite3.connect(healthy.db_path)
    conn.execute("DELETE FROM customer_search WHERE rowid = (SELECT max(rowid) FROM customer_search)")
    conn.commit()
    conn.close()
    code, out = doctor(healthy, capsys)
    assert code == 0
    assert "Warning: The search index has 3 entries for 4 customers" in out


def test_damaged_page_is_a_problem(healthy, capsys):
    damage_page(healthy.db_path, "customers")
    before = digest(healthy.db_path)
    code, out = doctor(healthy, capsys)
    assert code == EXIT_PROBLEM == 1
    assert "Integrity check:  FAILED" in out
    assert "Status: CORRUPT" in out and "damaged" in out and "There is no backup" in out
    assert digest(healthy.db_path) == before


def test_garbage_in_the_middle_is_a_problem(healthy, capsys):
    size = healthy.db_path.stat().st_size
    middle = (size // 2) // 4096 * 4096
    with open(healthy.db_path, "r+b") as fh:
        fh.seek(middle)
        fh.write(bytes((i * 7 + 3) % 256 for i in range(4096)))
    code, report = doctor_json(healthy, capsys)
    assert code == 1
    assert report["status"] == "corrupt" and report["integrity"]["ok"] is False and report["integrity"]["errors"]
    assert report["counts"] == {}  # nothing is read from a damaged file beyond the check


def test_truncated_file_is_a_problem_and_the_backup_is_named(healthy, capsys):
    backup = backup_database(healthy, "manual")
    data = healthy.db_path.read_bytes()
    healthy.db_path.write_bytes(data[: len(data) // 2])
    code, out = doctor(healthy, capsys)
    assert code == 1
    assert "truncated" in out or "malformed" in out
    assert f"copy {backup} to {healthy.db_path}" in out


def test_sqlite_file_of_another_app_is_a_problem(profile, capsys):
    make_foreign_sqlite(profile.db_path)
    before = digest(profile.db_path)
    code, out = doctor(profile, capsys)
    assert code == 1
    assert "not a FieldApp database" in out and "Status: NOT FIELDAPP" in out
    assert digest(profile.db_path) == before


def test_newer_schema_is_a_problem(healthy, capsys):
    conn = sqlite3.connect(healthy.db_path)
    conn.execute("UPDATE alembic_version SET version_num = 'zz99'")
    conn.commit()
    conn.close()
    code, report = doctor_json(healthy, capsys)
    assert code == 1
    assert report["status"] == "newer_schema" and report["schema"]["revision"] == "zz99"
    assert "newer FieldApp" in report["summary"]
    assert report["counts"]["customers_live"] == 4  # still readable, for information


def test_old_schema_is_upgrade_pending_and_not_upgraded(old, capsys):
    before = digest(old.db_path)
    code, out = doctor(old, capsys)
    assert code == EXIT_UPGRADE_PENDING == 3
    assert f"Schema:           0001 (this FieldApp: {head_revision()}) - older: upgrade pending" in out
    assert "will be backed up and upgraded on next start" in out
    assert "Visits:           n/a" in out  # revision 0001 has no visits table
    assert "Customers:        4 live, 1 deleted" in out
    assert digest(old.db_path) == before
    assert read_revision(old.db_path) == "0001"
    assert list_backups(old) == []


def test_missing_profile_folder(tmp_path, capsys):
    profile = Profile(tmp_path / "nowhere")
    code, out = doctor(profile, capsys)
    assert code == EXIT_NO_DATABASE == 4
    assert "There is no FieldApp profile at" in out and "does not exist" in out
    assert not profile.data_dir.exists()  # doctor creates nothing


def test_profile_folder_without_database(tmp_path, capsys):
    profile = Profile(tmp_path / "empty")
    profile.data_dir.mkdir()
    code, report = doctor_json(profile, capsys)
    assert code == 4
    assert report["status"] == "no_database" and report["database"]["exists"] is False
    assert list(profile.data_dir.iterdir()) == []


def test_data_dir_after_the_subcommand(healthy, capsys):
    assert main(["doctor", "--data-dir", str(healthy.data_dir)]) == 0
    assert str(healthy.db_path) in capsys.readouterr().out


def test_help_documents_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["doctor", "--help"])
    out = capsys.readouterr().out
    for line in ("0  healthy", "1  problem", "3  schema upgrade pending", "4  no database"):
        assert line in out


def test_doctor_as_a_separate_process(old):
    script = Path(sys.executable).parent / "fieldapp"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "fieldapp"]
    env = {**os.environ, "FIELDAPP_DATA_DIR": str(old.data_dir)}
    result = subprocess.run([*command, "doctor", "--json"], capture_output=True, text=True, env=env,
                            encoding="utf-8", timeout=120)
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "upgrade_pending" and report["data_dir"] == str(old.data_dir)
    assert report["counts"]["customers_live"] == 4


def test_doctor_as_a_module(healthy, tmp_path):
    copy = Profile(tmp_path / "copy with space")
    shutil.copytree(healthy.data_dir, copy.data_dir)
    result = subprocess.run([sys.executable, "-m", "fieldapp", "--data-dir", str(copy.data_dir), "doctor"],
                            capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Status: HEALTHY" in result.stdout
