"""Shared fixtures. Qt runs offscreen so no test ever needs a display."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No test may touch the developer's real keyring or profile.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
# Nor pick up a machine-wide managed configuration.
os.environ.setdefault("FIELDAPP_MANAGED_CONFIG", "/nonexistent/fieldapp-managed-config.toml")

from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from fieldapp.core.entities import Customer  # noqa: E402
from fieldapp.store.migrate import open_profile_database  # noqa: E402
from fieldapp.store.profile import Profile  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory, monkeypatch):
    """Point FIELDAPP_DATA_DIR at a throwaway folder so nothing writes to the real profile."""
    monkeypatch.setenv("FIELDAPP_DATA_DIR", str(tmp_path_factory.mktemp("default-profile")))


@pytest.fixture
def profile(tmp_path: Path) -> Profile:
    return Profile(tmp_path / "profile")


@pytest.fixture
def engine(profile: Profile):
    engine = open_profile_database(profile)
    yield engine
    engine.dispose()


def make_customer(**overrides) -> Customer:
    """A valid customer; override any field."""
    values = dict(code="C0001", licence_no="430121100001", licence_expiry=date(2030, 6, 30),
                  store_name="王记便利店", owner="王建国", phone="13812345678", address="长沙县黄兴镇蓝田村12号",
                  grade=12, route="R01", tags=["近学校"])
    values.update(overrides)
    return Customer(**values)


@pytest.fixture(autouse=True)
def _forget_in_memory_sign_ins():
    """Without a keyring, sign-ins live in a process-wide dict; one test's sign-in must not leak into the next."""
    from fieldapp.sync import credentials

    credentials._memory.clear()
    yield
    credentials._memory.clear()


def skip_or_fail_in_ci(reason: str) -> None:
    """Skip on a developer machine that lacks a service or tool; fail in CI, where it is guaranteed.

    CI sets ``CI=true`` and always has PostgreSQL, the sync server and PySide6's tools: there a
    missing prerequisite is a broken setup, and a skip would hide it.
    """
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)
