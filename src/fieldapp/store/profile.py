"""Where a profile's files live.

A profile is one data folder: the database, its backups and the photo store.
Several profiles can live on one machine (``--data-dir`` or
``FIELDAPP_DATA_DIR``), which is how the tests run several clients side by side.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV_DATA_DIR = "FIELDAPP_DATA_DIR"
DB_FILENAME = "fieldapp.sqlite3"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("FieldApp", appauthor=False, roaming=False))


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--data-dir`` wins, then ``FIELDAPP_DATA_DIR``, then the platform's user data folder."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser().resolve()
    return default_data_dir()


@dataclass(frozen=True)
class Profile:
    data_dir: Path

    @classmethod
    def at(cls, explicit: str | os.PathLike[str] | None = None) -> "Profile":
        return cls(resolve_data_dir(explicit))

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILENAME

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    def ensure_dirs(self) -> None:
        for path in (self.data_dir, self.backup_dir, self.photo_dir):
            path.mkdir(parents=True, exist_ok=True)
