"""Managed (machine-wide) and user settings: precedence, locking, bad files, atomic writes."""

from __future__ import annotations

import argparse
import os
import tomllib
from pathlib import Path

import pytest

from fieldapp import settings as settings_mod
from fieldapp.commands import managed_config
from fieldapp.settings import (
    DEFAULTS,
    SettingInvalid,
    SettingLocked,
    default_managed_config_path,
    dump_toml,
    load_settings,
    managed_config_path,
)


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    path = tmp_path / "region-ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    return path


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "etc" / "config.toml", tmp_path / "profile" / "settings.toml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(paths: tuple[Path, Path]):
    managed, user = paths
    return load_settings(managed_path=managed, user_path=user)


# --- locations -------------------------------------------------------------------------------------


def test_platform_locations(monkeypatch):
    monkeypatch.setenv("ProgramData", r"D:\PD")
    assert default_managed_config_path("linux") == Path("/etc/fieldapp/config.toml")
    assert default_managed_config_path("darwin") == Path("/Library/Application Support/FieldApp/config.toml")
    assert default_managed_config_path("win32") == Path(r"D:\PD") / "FieldApp" / "config.toml"


def test_env_overrides_managed_path(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDAPP_MANAGED_CONFIG", str(tmp_path / "m.toml"))
    assert managed_config_path() == tmp_path / "m.toml"


def test_user_file_lives_in_the_profile(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDAPP_MANAGED_CONFIG", str(tmp_path / "none.toml"))
    s = load_settings(tmp_path / "p1")
    assert s.user_path == (tmp_path / "p1").resolve() / "settings.toml"
    monkeypatch.setenv("FIELDAPP_DATA_DIR", str(tmp_path / "p2"))
    assert load_settings().user_path == (tmp_path / "p2").resolve() / "settings.toml"


# --- precedence and locking ------------------------------------------------------------------------


def test_no_files_gives_defaults(paths):
    s = load(paths)
    assert s.warnings == []
    assert s.as_dict() == DEFAULTS
    assert s.source("server_url") == "default"


def test_managed_is_default_user_overrides_unlocked(paths, ca_file):
    managed, user = paths
    write(managed, f'server_url = "https://sync.example.com/"\nca_bundle = "{ca_file}"\n'
                   'sync_interval_minutes = 30\nlanguage = "zh_CN"\n')
    write(user, 'sync_interval_minutes = 5\nlanguage = "en"\n')
    s = load(paths)
    assert s.warnings == []
    assert s.effective("server_url") == "https://sync.example.com"  # trailing slash normalised
    assert s.effective("ca_bundle") == str(ca_file)
    assert s.effective("sync_interval_minutes") == 5
    assert s.source("sync_interval_minutes") == "user"
    assert s.effective("language") == "en"
    assert s.source("server_url") == "managed"


def test_locked_value_wins_over_user_file(paths):
    managed, user = paths
    write(managed, 'server_url = "https://sync.example.com"\nlocked = ["server_url", "language"]\n')
    write(user, 'server_url = "https://evil.example.net"\nlanguage = "en"\n')
    s = load(paths)
    assert s.is_locked("server_url") and s.is_locked("language")
    assert not s.is_locked("sync_interval_minutes")
    assert s.effective("server_url") == "https://sync.example.com"
    assert s.effective("language") is None  # locked to the default (system language)
    assert s.source("server_url") == "locked"


def test_set_user_refuses_locked_key_with_clear_message(paths):
    managed, user = paths
    write(managed, 'server_url = "https://sync.example.com"\nlocked = ["server_url"]\n')
    s = load(paths)
    with pytest.raises(SettingLocked) as info:
        s.set_user("server_url", "https://other.example.com")
    text = str(info.value)
    assert "server_url" in text and "IT" in text and str(managed) in text
    assert not user.exists()
    assert s.effective("server_url") == "https://sync.example.com"


def test_set_user_writes_and_reloads(paths):
    _, user = paths
    s = load(paths)
    s.set_user("sync_interval_minutes", 45)
    s.set_user("language", "zh_CN")
    assert s.effective("sync_interval_minutes") == 45
    assert tomllib.loads(user.read_text()) == {"sync_interval_minutes": 45, "language": "zh_CN"}
    again = load(paths)
    assert again.effective("sync_interval_minutes") == 45
    again.set_user("language", None)  # back to the managed value / default
    assert load(paths).effective("language") is None
    assert "language" not in tomllib.loads(user.read_text())


def test_set_user_validates(paths, tmp_path):
    s = load(paths)
    for key, value in [("server_url", "ftp://x"), ("server_url", "http://sync.example.com"),
                       ("sync_interval_minutes", -1), ("sync_interval_minutes", True),
                       ("language", "fr"), ("ca_bundle", str(tmp_path / "missing.pem"))]:
        with pytest.raises(SettingInvalid):
            s.set_user(key, value)
    assert not paths[1].exists()
    with pytest.raises(KeyError):
        s.set_user("no_such_key", 1)


def test_set_user_http_localhost_needs_the_flag(paths):
    s = load(paths)
    with pytest.raises(SettingInvalid, match="allow_http_localhost"):
        s.set_user("server_url", "http://127.0.0.1:8765")
    s.set_user("allow_http_localhost", True)
    s.set_user("server_url", "http://127.0.0.1:8765")
    assert load(paths).effective("server_url") == "http://127.0.0.1:8765"


def test_managed_can_forbid_user_http(paths):
    managed, user = paths
    write(managed, "allow_http_localhost = false\nlocked = [\"allow_http_localhost\"]\n")
    write(user, 'allow_http_localhost = true\nserver_url = "http://localhost:9000"\n')
    s = load(paths)
    assert s.effective("server_url") is None
    assert any("plain-http" in w for w in s.warnings)


def test_set_user_keeps_unknown_keys_and_is_atomic(paths, monkeypatch):
    _, user = paths
    write(user, 'future_key = "kept"\nsync_interval_minutes = 10\n')
    s = load(paths)
    assert any("future_key" in w for w in s.warnings)

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(settings_mod.os, "replace", boom)
    with pytest.raises(OSError):
        s.set_user("sync_interval_minutes", 20)
    assert tomllib.loads(user.read_text())["sync_interval_minutes"] == 10  # old file intact
    assert [p.name for p in user.parent.iterdir()] == ["settings.toml"]  # no temp file left
    monkeypatch.undo()
    s.set_user("sync_interval_minutes", 20)
    assert tomllib.loads(user.read_text()) == {"future_key": "kept", "sync_interval_minutes": 20}


def test_set_user_keeps_a_broken_user_file_aside(paths):
    _, user = paths
    write(user, "sync_interval_minutes = = 3\n")
    s = load(paths)
    assert any(f"{user}:1" in w for w in s.warnings)
    s.set_user("language", "en")
    assert tomllib.loads(user.read_text()) == {"language": "en"}
    assert len(list(user.parent.glob("settings.toml.broken-*"))) == 1


# --- bad managed files: warn with file and line, fall back, never crash ----------------------------


def test_syntax_error_names_file_and_line_and_falls_back(paths):
    managed, user = paths
    write(managed, '# IT\nserver_url = "https://sync.example.com"\nlocked = ["server_url"\nlanguage = "en"\n')
    write(user, "sync_interval_minutes = 5\n")
    s = load(paths)
    assert len(s.warnings) == 1
    warning = s.warnings[0]
    assert f"{managed}:4" in warning and "syntax error" in warning
    assert s.effective("server_url") is None
    assert not s.is_locked("server_url")
    assert s.effective("sync_interval_minutes") == 5  # the user's own settings still apply


@pytest.mark.parametrize("line, needle", [
    ('server_url = "sync.example.com"', "https://"),
    ('server_url = "http://sync.example.com"', "not encrypted"),
    ('server_url = "https://user:pw@sync.example.com"', "password"),
    ('server_url = "https://sync.example.com:99999"', "not a URL"),
    ("server_url = 42", "must be text"),
    ('ca_bundle = "/no/such/ca.pem"', "does not exist"),
    ("sync_interval_minutes = -5", "sync_interval_minutes"),
    ('sync_interval_minutes = "15"', "sync_interval_minutes"),
    ('language = "de"', "language"),
    ('allow_http_localhost = "yes"', "true or false"),
])
def test_invalid_value_warns_with_line_and_uses_default(paths, line, needle):
    managed, _ = paths
    write(managed, f"# managed by IT\n\n{line}\n")
    s = load(paths)
    assert len(s.warnings) == 1, s.warnings
    assert f"{managed}:3:" in s.warnings[0]
    assert needle in s.warnings[0]
    assert s.as_dict() == DEFAULTS


def test_invalid_locked_value_stays_locked_at_default(paths):
    managed, user = paths
    write(managed, 'server_url = "http://sync.example.com"\nlocked = ["server_url"]\n')
    write(user, 'server_url = "https://mine.example.com"\n')
    s = load(paths)
    assert s.is_locked("server_url")
    assert s.effective("server_url") is None
    with pytest.raises(SettingLocked):
        s.set_user("server_url", "https://mine.example.com")


def test_http_localhost_allowed_when_explicit(paths):
    managed, _ = paths
    write(managed, 'allow_http_localhost = true\nserver_url = "http://127.0.0.1:8000"\n')
    assert load(paths).effective("server_url") == "http://127.0.0.1:8000"
    write(managed, 'allow_http_localhost = true\nserver_url = "http://10.0.0.5:8000"\n')
    s = load(paths)
    assert s.effective("server_url") is None and "not encrypted" in s.warnings[0]


def test_relative_ca_bundle_is_relative_to_the_file(paths):
    managed, _ = paths
    write(managed.parent / "ca.pem", "pem")
    write(managed, 'ca_bundle = "ca.pem"\n')
    assert load(paths).effective("ca_bundle") == str(managed.parent / "ca.pem")


def test_windows_path_in_literal_string(paths, ca_file):
    managed, _ = paths
    write(managed, f"ca_bundle = '{ca_file}'\n")
    assert load(paths).effective("ca_bundle") == str(ca_file)


def test_unknown_keys_and_bad_locked_entries_warn(paths):
    managed, _ = paths
    write(managed, 'serverurl = "https://x.example.com"\nlocked = ["server_url", "colour"]\n')
    s = load(paths)
    assert any(f"{managed}:1" in w and "serverurl" in w for w in s.warnings)
    assert any(f"{managed}:2" in w and "colour" in w for w in s.warnings)
    assert s.locked == {"server_url"}


def test_malformed_locked_fails_closed(paths):
    managed, _ = paths
    write(managed, 'locked = "server_url"\n')
    s = load(paths)
    assert all(s.is_locked(k) for k in DEFAULTS)
    assert f"{managed}:1" in s.warnings[0]


def test_locked_in_user_file_is_ignored(paths):
    _, user = paths
    write(user, 'locked = ["language"]\n')
    s = load(paths)
    assert not s.is_locked("language") and "only has an effect" in s.warnings[0]


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_managed_file_warns(paths):
    managed, _ = paths
    write(managed, 'language = "en"\n').chmod(0)
    s = load(paths)
    assert str(managed) in s.warnings[0] and s.effective("language") is None


def test_unreadable_managed_file_warns_even_as_root(paths):
    managed, _ = paths
    managed.mkdir(parents=True)  # a directory where the file should be: unreadable for everyone
    s = load(paths)
    assert str(managed) in s.warnings[0] and s.as_dict() == DEFAULTS


def test_not_utf8_warns(paths):
    managed, _ = paths
    managed.parent.mkdir(parents=True)
    managed.write_bytes(b'language = "\xff"\n')
    s = load(paths)
    assert str(managed) in s.warnings[0] and s.as_dict() == DEFAULTS


def test_warnings_are_translatable_messages(paths):
    managed, _ = paths
    write(managed, "language = 'xx'\n")
    s = load(paths)
    assert s.messages[0].context == "Settings"
    assert s.messages[0].render(lambda _ctx, text: "» " + text) == "» " + s.warnings[0]


# --- TOML writing ----------------------------------------------------------------------------------


def test_dump_toml_round_trips_awkward_strings():
    values = {"server_url": 'https://x.example.com/a"b\\c', "ca_bundle": "C:\\certs\\ca.pem",
              "locked": ["server_url"], "allow_http_localhost": False, "sync_interval_minutes": 0,
              "language": None, "note": "tab\tnewline\nbell\x07"}
    parsed = tomllib.loads(dump_toml(values, "header\nline two"))
    assert parsed == {k: v for k, v in values.items() if v is not None}


# --- fieldapp write-managed-config (the installers' helper) ----------------------------------------


def run_cmd(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    managed_config.add_parser(parser.add_subparsers(dest="command"))
    return managed_config.run(parser.parse_args([managed_config.NAME, *argv]))


def test_write_managed_config_then_load(tmp_path, ca_file, capsys):
    target = tmp_path / "ProgramData" / "FieldApp" / "config.toml"
    assert run_cmd("--path", str(target), "--server-url", "https://sync.example.com",
                   "--ca-bundle", str(ca_file), "--lock", "server_url,ca_bundle") == 0
    s = load_settings(managed_path=target, user_path=tmp_path / "u.toml")
    assert s.warnings == []
    assert s.effective("server_url") == "https://sync.example.com"
    assert s.effective("ca_bundle") == str(ca_file)
    assert s.locked == {"server_url", "ca_bundle"}


def test_write_managed_config_msi_empty_properties_keep_existing(tmp_path):
    target = tmp_path / "config.toml"
    assert run_cmd("--path", str(target), "--server-url", "https://a.example.com", "--sync-interval", "20") == 0
    # An upgrade run with no properties: msiexec passes "" for unset ones.
    assert run_cmd("--path", str(target), "--server-url", "", "--ca-bundle", "", "--lock", "server_url") == 0
    data = tomllib.loads(target.read_text())
    assert data == {"server_url": "https://a.example.com", "sync_interval_minutes": 20, "locked": ["server_url"]}


def test_write_managed_config_rejects_bad_url(tmp_path, capsys):
    target = tmp_path / "config.toml"
    assert run_cmd("--path", str(target), "--server-url", "http://sync.example.com") == 2
    assert not target.exists()
    assert "not encrypted" in capsys.readouterr().err
    assert run_cmd("--path", str(target), "--lock", "server_url,typo") == 2
    assert run_cmd("--path", str(target), "--sync-interval", "soon") == 2


def test_write_managed_config_missing_ca_is_a_warning(tmp_path, capsys):
    target = tmp_path / "config.toml"
    assert run_cmd("--path", str(target), "--ca-bundle", str(tmp_path / "later.pem")) == 0
    assert "written anyway" in capsys.readouterr().err
    assert tomllib.loads(target.read_text())["ca_bundle"] == str(tmp_path / "later.pem")


def test_write_managed_config_nothing_given(tmp_path):
    target = tmp_path / "config.toml"
    assert run_cmd("--path", str(target), "--server-url", "") == 0
    assert not target.exists()


def test_write_managed_config_is_a_fieldapp_command(tmp_path):
    """The MSI's custom action runs ``fieldapp-cli.exe write-managed-config``: it must be registered."""
    import subprocess
    import sys

    from fieldapp import cli

    assert cli.COMMANDS.get("write-managed-config") == "managed_config", (
        "register the installers' command in src/fieldapp/cli.py: "
        "COMMANDS['write-managed-config'] = 'managed_config'")
    target = tmp_path / "config.toml"
    proc = subprocess.run([sys.executable, "-m", "fieldapp", "write-managed-config", "--path", str(target),
                           "--server-url", "https://sync.example.com", "--lock", "server_url"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert load_settings(managed_path=target, user_path=tmp_path / "u.toml").is_locked("server_url")
