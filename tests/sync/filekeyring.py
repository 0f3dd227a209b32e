"""A keyring backend for tests only: secrets in a JSON file named by $FIELDAPP_TEST_KEYRING_FILE.

Lets separate ``fieldapp login`` and ``fieldapp sync`` processes share a
refresh token in tests, the way the OS keyring does on a real laptop. Never
used outside tests (select it with PYTHON_KEYRING_BACKEND).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend
import keyring.errors


class FileKeyring(keyring.backend.KeyringBackend):
    priority = 1

    @property
    def path(self) -> Path:
        return Path(os.environ["FIELDAPP_TEST_KEYRING_FILE"])

    def _load(self) -> dict:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}

    def _save(self, data: dict) -> None:
        self.path.write_text(json.dumps(data))

    def get_password(self, service, username):
        return self._load().get(f"{service}|{username}")

    def set_password(self, service, username, password):
        data = self._load()
        data[f"{service}|{username}"] = password
        self._save(data)

    def delete_password(self, service, username):
        data = self._load()
        if data.pop(f"{service}|{username}", None) is None:
            raise keyring.errors.PasswordDeleteError("not found")
        self._save(data)
