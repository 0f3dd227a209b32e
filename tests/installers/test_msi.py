"""The Windows installer source: build MSIs from the stand-in tree with wixl and inspect them with msiinfo.

Needs the Debian packages ``wixl`` and ``msitools`` (``installers/ci-build.sh`` installs them);
without them the MSI tests are skipped. The fragment generator is tested either way.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_MSI = ROOT / "installers" / "windows" / "build-msi.sh"
UPGRADE_CODE = "{1347B020-CF11-4780-86D1-B896FD8D71DF}"
MISSING = [tool for tool in ("wixl", "msiinfo", "msibuild", "msiextract") if shutil.which(tool) is None]
needs_msitools = pytest.mark.skipif(
    bool(MISSING), reason=f"{', '.join(MISSING)} not installed (apt-get install wixl msitools; CI installs them)")


def _load_fragment_module():
    spec = importlib.util.spec_from_file_location("make_wxs_fragment",
                                                  ROOT / "installers" / "windows" / "make-wxs-fragment.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fragment = _load_fragment_module()


# --- the fragment generator ------------------------------------------------------------------------


def test_fragment_lists_every_file_but_the_main_executables(tmp_path):
    bundle = tmp_path / "bundle"
    (bundle / "_internal" / "sub dir").mkdir(parents=True)
    for rel in ("fieldapp.exe", "fieldapp-cli.exe", "_internal/a.dll", "_internal/sub dir/b c.txt"):
        (bundle / rel).write_text("x")
    text = fragment.generate(bundle)
    assert "fieldapp.exe" not in text and "fieldapp-cli.exe" not in text
    assert 'Source="$(var.BundleDir)/_internal/sub dir/b c.txt"' in text
    assert text.count("<Component ") == 2 == text.count("<ComponentRef ")
    assert 'Name="sub dir"' in text and 'Win64="yes"' in text


def test_fragment_ids_and_guids_are_stable_and_valid(tmp_path):
    rel = "_internal/PySide6/Qt6Core.dll"
    assert fragment.component_guid(rel) == fragment.component_guid(rel.upper())  # Windows paths ignore case
    assert uuid.UUID(fragment.component_guid(rel)).version == 5
    ident = fragment._id("c", rel)
    assert len(ident) <= 72 and ident[0].isalpha() and ident.isalnum()
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "x.txt").write_text("x")
    assert fragment.generate(bundle) == fragment.generate(bundle)


# --- the MSI ---------------------------------------------------------------------------------------


def build(out: Path, *args: str) -> Path:
    env = dict(os.environ, PYTHON=sys.executable, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(["bash", str(BUILD_MSI), "--standin", "--out", str(out), *args],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    msis = sorted(out.glob("*.msi"))
    assert len(msis) == 1, msis
    return msis[0]


def table(msi: Path, name: str) -> list[dict[str, str]]:
    """Rows of an MSI table via ``msiinfo export`` (header: columns, types, table and keys)."""
    text = subprocess.run(["msiinfo", "export", str(msi), name], capture_output=True, text=True,
                          check=True).stdout
    lines = text.rstrip("\r\n").split("\r\n") if "\r\n" in text else text.rstrip("\n").split("\n")
    columns = lines[0].split("\t")
    rows = [line.split("\t") for line in lines[3:]]
    # A value with an embedded CR/LF would split a row: catch it here.
    assert all(len(row) == len(columns) for row in rows), rows
    return [dict(zip(columns, row)) for row in rows]


def properties(msi: Path) -> dict[str, str]:
    return {row["Property"]: row["Value"] for row in table(msi, "Property")}


@pytest.fixture(scope="module")
def generic_msi(tmp_path_factory) -> Path:
    if MISSING:
        pytest.skip(f"{', '.join(MISSING)} not installed")
    return build(tmp_path_factory.mktemp("generic"))


@needs_msitools
def test_tables_present(generic_msi):
    tables = set(subprocess.run(["msiinfo", "tables", str(generic_msi)], capture_output=True, text=True,
                                check=True).stdout.split())
    assert {"Property", "Upgrade", "Shortcut", "CustomAction", "InstallExecuteSequence", "File", "Component",
            "Directory", "Feature", "Media", "Icon", "LaunchCondition"} <= tables


@needs_msitools
def test_properties_upgrade_code_and_per_machine(generic_msi):
    props = properties(generic_msi)
    assert props["UpgradeCode"] == UPGRADE_CODE
    assert props["ProductName"] == "FieldApp"
    assert props["ALLUSERS"] == "1"  # per-machine
    assert props["LOCKED"] == "server_url,ca_bundle"
    secure = props["SecureCustomProperties"].split(";")
    assert {"SERVER_URL", "CA_BUNDLE", "LOCKED", "WIX_UPGRADE_DETECTED"} <= set(secure)
    assert "SERVER_URL" not in props  # no default: only what msiexec is given
    summary = subprocess.run(["msiinfo", "suminfo", str(generic_msi)], capture_output=True, text=True).stdout
    assert "x64;1033" in summary


@needs_msitools
def test_regional_msi_carries_server_url_and_ca_bundle(tmp_path):
    msi = build(tmp_path, "--server-url", "https://sync.hunan.example.com", "--ca-bundle", r"C:\certs\hunan-ca.pem",
                "--name", "fieldapp-hunan.msi")
    props = properties(msi)
    assert props["SERVER_URL"] == "https://sync.hunan.example.com"
    assert props["CA_BUNDLE"] == r"C:\certs\hunan-ca.pem"
    assert props["UpgradeCode"] == UPGRADE_CODE


@needs_msitools
def test_upgrade_table_replaces_older_and_blocks_downgrade(generic_msi):
    rows = table(generic_msi, "Upgrade")
    assert all(r["UpgradeCode"] == UPGRADE_CODE for r in rows)
    older = [r for r in rows if r["ActionProperty"] == "WIX_UPGRADE_DETECTED"]
    newer = [r for r in rows if r["ActionProperty"] == "WIX_DOWNGRADE_DETECTED"]
    assert older and older[0]["VersionMax"] == "0.1.0" and not older[0]["VersionMin"]
    assert newer and newer[0]["VersionMin"] == "0.1.0" and int(newer[0]["Attributes"]) & 2  # detect only
    conditions = {r["Condition"] for r in table(generic_msi, "LaunchCondition")}
    assert "NOT WIX_DOWNGRADE_DETECTED" in conditions


@needs_msitools
def test_start_menu_shortcut(generic_msi):
    (shortcut,) = table(generic_msi, "Shortcut")
    assert shortcut["Directory_"] == "ProgramMenuFolder"
    assert shortcut["Name"] == "FieldApp"
    assert shortcut["Target"] == "[INSTALLDIR]fieldapp.exe"
    dirs = {r["Directory"]: r for r in table(generic_msi, "Directory")}
    assert dirs["INSTALLDIR"]["Directory_Parent"] == "ProgramFiles64Folder"
    assert dirs["INSTALLDIR"]["DefaultDir"] == "FieldApp"


@needs_msitools
def test_managed_config_custom_action_is_deferred_system_and_in_the_script(generic_msi):
    (action,) = [r for r in table(generic_msi, "CustomAction") if r["Action"] == "WriteManagedConfig"]
    assert int(action["Type"]) == 18 | 1024 | 2048  # exe from installed file, deferred, no impersonation
    assert action["Source"] == "fieldapp_cli_exe"
    for needle in ("write-managed-config", '--server-url "[SERVER_URL]"', '--ca-bundle "[CA_BUNDLE]"',
                   '--lock "[LOCKED]"'):
        assert needle in action["Target"]
    seq = {r["Action"]: r for r in table(generic_msi, "InstallExecuteSequence")}
    n = {name: int(row["Sequence"]) for name, row in seq.items()}
    assert n["InstallValidate"] < n["RemoveExistingProducts"] < n["InstallInitialize"]
    assert n["InstallFiles"] < n["WriteManagedConfig"] < n["InstallFinalize"]
    assert seq["WriteManagedConfig"]["Condition"] == '(SERVER_URL OR CA_BUNDLE) AND NOT REMOVE="ALL"'


@needs_msitools
def test_every_bundle_file_is_in_the_cabinet(generic_msi, tmp_path):
    files = {r["FileName"] for r in table(generic_msi, "File")}
    assert {"fieldapp.exe", "fieldapp-cli.exe", "python311.dll", "Qt6Core.dll", "qwindows.dll",
            "fieldapp_zh_CN.qm", "third party notices.txt"} <= files
    subprocess.run(["msiextract", "-C", str(tmp_path), str(generic_msi)], check=True, capture_output=True)
    extracted = {p.name for p in tmp_path.rglob("*") if p.is_file()}
    assert files <= extracted
    main = [r for r in table(generic_msi, "Component") if r["Component"] == "MainExecutable"]
    assert int(main[0]["Attributes"]) & 256  # 64-bit component


@needs_msitools
def test_next_version_keeps_upgrade_code_and_component_guids(generic_msi, tmp_path):
    newer = build(tmp_path, "--version", "0.2.0")
    old_props, new_props = properties(generic_msi), properties(newer)
    assert new_props["UpgradeCode"] == old_props["UpgradeCode"]
    assert new_props["ProductCode"] != old_props["ProductCode"]
    assert new_props["ProductVersion"] == "0.2.0"
    components = lambda msi: {r["Component"]: r["ComponentId"] for r in table(msi, "Component")}  # noqa: E731
    assert components(newer) == components(generic_msi)
