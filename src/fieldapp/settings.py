"""Settings: machine-wide (managed by IT) first, then the user's own.

Two TOML files, read in this order:

1. The **managed** file, written by IT or by the installers from their
   properties: ``/etc/fieldapp/config.toml`` (Linux),
   ``%ProgramData%\\FieldApp\\config.toml`` (Windows),
   ``/Library/Application Support/FieldApp/config.toml`` (macOS). The
   environment variable ``FIELDAPP_MANAGED_CONFIG`` names another file (tests,
   or IT trying a configuration without touching the machine's file).
2. The **user** file, ``settings.toml`` in the profile's data folder (next to
   the database, see :mod:`fieldapp.store.profile`). It lives with the profile
   because a profile is one account on one server: ``--data-dir`` switches
   server, credentials and data together, and side-by-side test profiles never
   share settings.

The effective value of a key is, in order: the managed value if IT lists the key
in ``locked``; else the user's value; else the managed value (IT's default);
else the built-in default. A locked key whose managed value is missing or
invalid stays locked at the built-in default: an invalid IT setting never hands
the choice back to the user.

Nothing here raises on bad files. A file that cannot be read or parsed, or a
value that is invalid, adds a warning naming the file and line to
:attr:`Settings.warnings` and is ignored, so the app always starts. Only
:meth:`Settings.set_user` raises, when asked to store a locked or invalid value.

This module imports neither Qt nor SQLAlchemy: the CLI, the installers' helper
command and the GUI all use it.
"""

from __future__ import annotations

import ipaddress
import os
import re
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from fieldapp.core.messages import QT_TRANSLATE_NOOP, Message

ENV_MANAGED_CONFIG = "FIELDAPP_MANAGED_CONFIG"
USER_SETTINGS_FILENAME = "settings.toml"
LANGUAGES = ("zh_CN", "en")
MAX_SYNC_INTERVAL_MINUTES = 24 * 60

# Every key a settings file may hold. ``locked`` is only meaningful in the
# managed file; ``allow_http_localhost`` lets a developer or a test point the
# app at a plain-http server on this machine (never on another host).
KEYS = ("server_url", "ca_bundle", "sync_interval_minutes", "language", "allow_http_localhost")
DEFAULTS: dict[str, Any] = {
    "server_url": None,  # not configured: the app asks for it / sync stays off
    "ca_bundle": None,  # the system's trusted CAs
    "sync_interval_minutes": 15,  # 0 = no automatic sync, only "Sync now"
    "language": None,  # follow the system language
    "allow_http_localhost": False,
}
LOCKED_KEY = "locked"


class SettingError(Exception):
    """A setting could not be stored; :attr:`message` is the translatable reason."""

    def __init__(self, key: str, message: Message):
        super().__init__(message.render())
        self.key = key
        self.message = message


class SettingLocked(SettingError):
    """The key is locked by the managed settings file."""


class SettingInvalid(SettingError, ValueError):
    """The value is not valid for the key."""


# --- where the files are ---------------------------------------------------------------------------


def default_managed_config_path(platform: str | None = None) -> Path:
    """The machine-wide file for ``platform`` (default: this one), ignoring the environment."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        program_data = os.environ.get("ProgramData") or r"C:\ProgramData"
        return Path(program_data) / "FieldApp" / "config.toml"
    if platform == "darwin":
        return Path("/Library/Application Support/FieldApp/config.toml")
    return Path("/etc/fieldapp/config.toml")


def managed_config_path() -> Path:
    """``$FIELDAPP_MANAGED_CONFIG`` if set, else the platform's machine-wide file."""
    env = os.environ.get(ENV_MANAGED_CONFIG)
    return Path(env).expanduser() if env else default_managed_config_path()


def user_settings_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """``settings.toml`` in the profile folder (``--data-dir``, ``$FIELDAPP_DATA_DIR``, or the default)."""
    from fieldapp.store.profile import resolve_data_dir  # no SQLAlchemy import: profile.py is plain

    return resolve_data_dir(data_dir) / USER_SETTINGS_FILENAME


# --- validation ------------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _invalid(text: str, **params: Any) -> Message:
    return Message("Settings", text, params)


def validate_server_url(value: Any, *, allow_http_localhost: bool = False) -> tuple[str | None, Message | None]:
    if not isinstance(value, str):
        return None, _invalid(QT_TRANSLATE_NOOP("Settings", "server_url must be text, e.g. \"https://sync.example.com\""))
    url = value.strip()
    if not url or any(ch.isspace() for ch in url):
        return None, _invalid(QT_TRANSLATE_NOOP("Settings", "server_url {value!r} is not a URL"), value=value)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return None, _invalid(QT_TRANSLATE_NOOP("Settings", "server_url {value!r} is not a URL"), value=value)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        return None, _invalid(QT_TRANSLATE_NOOP(
            "Settings", "server_url {value!r} is not an https:// URL with a host name"), value=value)
    if parts.username or parts.password:
        return None, _invalid(QT_TRANSLATE_NOOP(
            "Settings", "server_url must not contain a user name or password"), value=value)
    if parts.query or parts.fragment:
        return None, _invalid(QT_TRANSLATE_NOOP(
            "Settings", "server_url {value!r} must not have a query (?) or fragment (#)"), value=value)
    if parts.scheme == "http":
        if not _is_loopback(host):
            return None, _invalid(QT_TRANSLATE_NOOP(
                "Settings", "server_url {value!r} is not encrypted: use https://"), value=value)
        if not allow_http_localhost:
            return None, _invalid(QT_TRANSLATE_NOOP(
                "Settings", "server_url {value!r} is plain http: use https://, or set allow_http_localhost = true "
                "for a server on this machine"), value=value)
    return url.rstrip("/"), None


def validate_ca_bundle(value: Any, *, base_dir: Path | None = None) -> tuple[str | None, Message | None]:
    if not isinstance(value, str) or not value.strip():
        return None, _invalid(QT_TRANSLATE_NOOP("Settings", "ca_bundle must be the path of a PEM file"))
    path = Path(value.strip()).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_file():
        return None, _invalid(QT_TRANSLATE_NOOP("Settings", "ca_bundle file {path} does not exist"), path=str(path))
    return str(path), None


def validate_sync_interval(value: Any) -> tuple[int | None, Message | None]:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SYNC_INTERVAL_MINUTES:
        return None, _invalid(QT_TRANSLATE_NOOP(
            "Settings", "sync_interval_minutes must be a whole number from 0 (no automatic sync) to {max}, "
            "not {value!r}"), value=value, max=MAX_SYNC_INTERVAL_MINUTES)
    return value, None


def validate_language(value: Any) -> tuple[str | None, Message | None]:
    if value not in LANGUAGES:
        return None, _invalid(QT_TRANSLATE_NOOP(
            "Settings", "language must be one of {choices}, not {value!r}"), value=value, choices=", ".join(LANGUAGES))
    return value, None


def validate_bool(key: str, value: Any) -> tuple[bool | None, Message | None]:
    if not isinstance(value, bool):
        return None, _invalid(QT_TRANSLATE_NOOP("Settings", "{key} must be true or false, not {value!r}"),
                              key=key, value=value)
    return value, None


def validate(key: str, value: Any, *, allow_http_localhost: bool = False,
             base_dir: Path | None = None) -> tuple[Any, Message | None]:
    """``(normalised value, None)`` or ``(None, reason)`` for one key."""
    if key == "server_url":
        return validate_server_url(value, allow_http_localhost=allow_http_localhost)
    if key == "ca_bundle":
        return validate_ca_bundle(value, base_dir=base_dir)
    if key == "sync_interval_minutes":
        return validate_sync_interval(value)
    if key == "language":
        return validate_language(value)
    if key == "allow_http_localhost":
        return validate_bool(key, value)
    return None, _invalid(QT_TRANSLATE_NOOP("Settings", "unknown setting {key!r}"), key=key)


# --- reading a file --------------------------------------------------------------------------------

_DECODE_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


def _key_line(text: str, key: str) -> int | None:
    """The line on which ``key = ...`` stands (tomllib reports no positions for values)."""
    pattern = re.compile(rf"^[ \t]*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=", re.M)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


@dataclass
class _FileValues:
    path: Path
    exists: bool = False
    readable: bool = True  # False: missing is fine, but a syntax error must not be overwritten blindly
    values: dict[str, Any] = field(default_factory=dict)  # valid, normalised values of known keys
    locked: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)  # everything parsed, for rewriting the user file


def _where(path: Path, line: int | None) -> str:
    return f"{path}:{line}" if line else str(path)


def _read_file(path: Path, *, managed: bool, warn: Callable[[Message], None]) -> _FileValues:
    result = _FileValues(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return result
    except (OSError, UnicodeDecodeError) as exc:
        result.exists, result.readable = True, False
        warn(Message("Settings", QT_TRANSLATE_NOOP(
            "Settings", "{where}: cannot read the settings file ({detail}); using the defaults instead"),
            {"where": str(path), "detail": getattr(exc, "strerror", None) or str(exc)}))
        return result
    result.exists = True
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        result.readable = False
        line = getattr(exc, "lineno", None)  # Python >= 3.14; older versions say it in the message
        match = _DECODE_POSITION.search(str(exc))
        if line is None and match:
            line = int(match.group(1))
        detail = _DECODE_POSITION.sub("", getattr(exc, "msg", None) or str(exc)).strip()
        warn(Message("Settings", QT_TRANSLATE_NOOP(
            "Settings", "{where}: syntax error in the settings file ({detail}); the whole file is ignored "
            "and the defaults are used"), {"where": _where(path, line), "detail": detail}))
        return result
    result.raw = data
    allow_http = False
    if "allow_http_localhost" in data:
        ok, problem = validate_bool("allow_http_localhost", data["allow_http_localhost"])
        if problem is None:
            allow_http = bool(ok)
    for key, value in data.items():
        line = _key_line(text, key)
        if key == LOCKED_KEY:
            if not managed:
                warn(Message("Settings", QT_TRANSLATE_NOOP(
                    "Settings", "{where}: \"locked\" only has an effect in the machine-wide settings file; ignored"),
                    {"where": _where(path, line)}))
                continue
            result.locked = _read_locked(value, path, line, warn)
            continue
        if key not in KEYS:
            warn(Message("Settings", QT_TRANSLATE_NOOP(
                "Settings", "{where}: unknown setting {key!r} ignored (known: {known})"),
                {"where": _where(path, line), "key": key, "known": ", ".join(KEYS)}))
            continue
        normalised, problem = validate(key, value, allow_http_localhost=allow_http, base_dir=path.parent)
        if problem is not None:
            warn(Message("Settings", QT_TRANSLATE_NOOP(
                "Settings", "{where}: {problem}; using {fallback} instead"),
                {"where": _where(path, line), "problem": problem.render(), "fallback": _describe_default(key)}))
            continue
        result.values[key] = normalised
    return result


def _read_locked(value: Any, path: Path, line: int | None, warn: Callable[[Message], None]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        # Fail closed: if IT meant to lock something but wrote it wrongly, lock every key.
        warn(Message("Settings", QT_TRANSLATE_NOOP(
            "Settings", "{where}: locked must be a list of setting names, e.g. locked = [\"server_url\"]; "
            "locking all settings instead"), {"where": _where(path, line)}))
        return KEYS
    locked = []
    for name in value:
        if name not in KEYS:
            warn(Message("Settings", QT_TRANSLATE_NOOP(
                "Settings", "{where}: locked names an unknown setting {key!r}; ignored"),
                {"where": _where(path, line), "key": name}))
        elif name not in locked:
            locked.append(name)
    return tuple(locked)


def _describe_default(key: str) -> str:
    default = DEFAULTS[key]
    if default is None:
        return {"server_url": "no server (sync off)", "ca_bundle": "the system's certificates",
                "language": "the system language"}.get(key, "no value")
    return f"the default ({_toml_value(default)})"


# --- writing ---------------------------------------------------------------------------------------


def _toml_string(value: str) -> str:
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to a settings file")


def dump_toml(values: Mapping[str, Any], header: str = "") -> str:
    """A flat TOML document (strings, numbers, booleans, lists of those); ``None`` values are left out."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    if lines:
        lines.append("")
    for key, value in values.items():
        if value is None or isinstance(value, dict):
            continue
        lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def write_atomically(path: Path, text: str, *, mode: int = 0o644) -> None:
    """Replace ``path`` with ``text`` so a reader sees the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# --- the merged view -------------------------------------------------------------------------------


@dataclass
class Settings:
    """Managed and user settings merged. Create with :func:`load_settings`."""

    managed_path: Path
    user_path: Path
    managed: dict[str, Any]
    user: dict[str, Any]
    locked: frozenset[str]
    messages: list[Message] = field(default_factory=list)
    _user_raw: dict[str, Any] = field(default_factory=dict, repr=False)
    _user_readable: bool = field(default=True, repr=False)

    @property
    def warnings(self) -> list[str]:
        """Problems found while reading, in English, each naming the file (and line when known)."""
        return [m.render() for m in self.messages]

    def is_locked(self, key: str) -> bool:
        _check_key(key)
        return key in self.locked

    def source(self, key: str) -> str:
        """Where the effective value comes from: ``locked``, ``user``, ``managed`` or ``default``."""
        _check_key(key)
        if key in self.locked:
            return "locked"
        if key in self.user:
            return "user"
        if key in self.managed:
            return "managed"
        return "default"

    def effective(self, key: str) -> Any:
        """The value the app uses (see the module docstring for the order)."""
        _check_key(key)
        if key in self.locked:
            return self.managed.get(key, DEFAULTS[key])
        if key in self.user:
            return self.user[key]
        return self.managed.get(key, DEFAULTS[key])

    def as_dict(self) -> dict[str, Any]:
        return {key: self.effective(key) for key in KEYS}

    def set_user(self, key: str, value: Any) -> None:
        """Store the user's ``value`` for ``key`` (``None`` removes it) and rewrite the user file atomically.

        Raises :class:`SettingLocked` if IT locked the key, :class:`SettingInvalid`
        if the value is not valid; nothing is written then.
        """
        _check_key(key)
        if key in self.locked:
            raise SettingLocked(key, Message("Settings", QT_TRANSLATE_NOOP(
                "Settings", "The setting {key} is managed by your IT department ({path}) and cannot be changed "
                "here."), {"key": key, "path": str(self.managed_path)}))
        if value is not None:
            allow_http = bool(self.effective("allow_http_localhost")) or (
                key == "allow_http_localhost" and value is True)
            normalised, problem = validate(key, value, allow_http_localhost=allow_http)
            if problem is not None:
                raise SettingInvalid(key, problem)
            value = normalised
        if not self._user_readable and self.user_path.exists():
            # Keep the unreadable file for the user or IT to look at instead of silently replacing it.
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            self.user_path.replace(self.user_path.with_name(f"{self.user_path.name}.broken-{stamp}"))
            self._user_readable = True
        # Keep keys a newer FieldApp may have written; drop invalid values of known keys.
        raw = {k: v for k, v in self._user_raw.items() if k not in KEYS and k != LOCKED_KEY and _writable(v)}
        raw.update((k, v) for k, v in self.user.items() if k != key)
        if value is not None:
            raw[key] = value
        write_atomically(self.user_path, dump_toml(
            raw, "FieldApp user settings, written by the app. Settings locked by IT are in\n"
            f"{self.managed_path} and cannot be changed here."))
        self._user_raw = raw
        if value is None:
            self.user.pop(key, None)
        else:
            self.user[key] = value


def _writable(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_writable(v) for v in value)
    return isinstance(value, (str, int, float, bool))


def _check_key(key: str) -> None:
    if key not in KEYS:
        raise KeyError(f"unknown setting {key!r}; known: {', '.join(KEYS)}")


def load_settings(data_dir: str | os.PathLike[str] | None = None, *,
                  managed_path: str | os.PathLike[str] | None = None,
                  user_path: str | os.PathLike[str] | None = None) -> Settings:
    """Read the managed file, then the user file of the profile at ``data_dir``. Never raises for bad files.

    ``managed_path`` defaults to :func:`managed_config_path`; ``user_path`` to
    ``settings.toml`` in the profile folder (:func:`user_settings_path`).
    """
    messages: list[Message] = []
    m_path = Path(managed_path) if managed_path is not None else managed_config_path()
    u_path = Path(user_path) if user_path is not None else user_settings_path(data_dir)
    managed = _read_file(m_path, managed=True, warn=messages.append)
    user = _read_file(u_path, managed=False, warn=messages.append)
    user_values = dict(user.values)
    # A user may not loosen IT's https rule: a plain-http URL of theirs needs their own flag (checked
    # when read) and, if IT locked allow_http_localhost, IT's value.
    if "allow_http_localhost" in managed.locked and not managed.values.get("allow_http_localhost", False):
        url = user_values.get("server_url")
        if isinstance(url, str) and url.startswith("http://"):
            user_values.pop("server_url")
            messages.append(Message("Settings", QT_TRANSLATE_NOOP(
                "Settings", "{where}: plain-http server_url is not allowed by {managed}; ignored"),
                {"where": str(u_path), "managed": str(m_path)}))
    return Settings(managed_path=m_path, user_path=u_path, managed=dict(managed.values), user=user_values,
                    locked=frozenset(managed.locked), messages=messages, _user_raw=dict(user.raw),
                    _user_readable=user.readable)
