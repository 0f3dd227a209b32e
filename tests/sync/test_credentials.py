"""Refresh tokens go to the keyring, or memory only with a warning — never to a file."""

from __future__ import annotations

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest

from fieldapp.sync import credentials as C
from fieldapp.sync.credentials import Credentials, keyring_problem


class DictKeyring(keyring.backend.KeyringBackend):
    priority = 5

    def __init__(self):
        super().__init__()
        self.store = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError("missing")
        del self.store[(service, username)]


class BrokenKeyring(DictKeyring):
    def set_password(self, service, username, password):
        raise keyring.errors.KeyringLocked("locked")

    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("locked")


@pytest.fixture
def use_backend():
    previous = keyring.get_keyring()

    def use(backend):
        keyring.set_keyring(backend)
        return backend

    yield use
    keyring.set_keyring(previous)
    C._memory.clear()


def test_usable_keyring_stores_the_token(use_backend):
    backend = use_backend(DictKeyring())
    creds = Credentials("https://s", "wang", "dev-1")
    assert creds.warning is None and creds.persistent
    creds.set_refresh_token("R1")
    assert backend.store == {("FieldApp", "wang@https://s#dev-1"): "R1"}
    assert Credentials("https://s", "wang", "dev-1").get_refresh_token() == "R1"
    assert Credentials("https://s", "wang", "dev-2").get_refresh_token() is None  # per device
    creds.clear()
    assert backend.store == {} and creds.get_refresh_token() is None
    assert not C._memory


@pytest.mark.parametrize("backend", [keyring.backends.null.Keyring(), keyring.backends.fail.Keyring()])
def test_unusable_backend_keeps_token_in_memory_with_warning(use_backend, backend, tmp_path, monkeypatch):
    use_backend(backend)
    monkeypatch.chdir(tmp_path)
    creds = Credentials("https://s", "wang", "dev")
    assert creds.warning is not None and not creds.persistent
    assert "in memory only" in creds.warning.render()
    creds.set_refresh_token("SECRET-TOKEN")
    assert creds.get_refresh_token() == "SECRET-TOKEN"
    assert list(tmp_path.iterdir()) == []  # nothing written to disk
    creds.clear()
    assert creds.get_refresh_token() is None


def test_empty_chainer_is_unusable(use_backend):
    class EmptyChainer(keyring.backends.chainer.ChainerBackend):
        backends = []

    use_backend(EmptyChainer())
    assert keyring_problem() == "no keyring backend found"


def test_keyring_errors_fall_back_to_memory(use_backend):
    use_backend(BrokenKeyring())
    creds = Credentials("https://s", "wang", "dev")
    assert creds.persistent
    creds.set_refresh_token("R1")
    assert not creds.persistent and creds.warning is not None and "KeyringLocked" in creds.warning.render()
    assert creds.get_refresh_token() == "R1"


def test_default_test_environment_has_no_real_keyring():
    # tests/conftest.py selects the null backend so no test touches a developer's keyring
    assert keyring_problem() is not None
