"""Where the refresh token lives: the OS keyring, or memory only — never a file.

The refresh token is stored with :mod:`keyring` under the service ``FieldApp``
and the account ``"{username}@{server_url}#{device_id}"`` (one token per user,
server and profile: tokens are issued per device, and a profile is a device).

If no usable keyring backend exists (``keyring.backends.fail``, the ``null``
backend, a chainer with no backends, or the backend raises), the token is kept
in this process's memory only and :attr:`Credentials.warning` says so; the GUI
and CLI show that text. The user then signs in again after restarting. The
token is never written to disk in plain text.

Keyring calls can block (D-Bus, the macOS keychain prompt): never call them on
the UI thread.
"""

from __future__ import annotations

import threading

import keyring
import keyring.errors

from fieldapp.core.messages import QT_TRANSLATE_NOOP, Message

SERVICE = "FieldApp"

MSG_NO_KEYRING = QT_TRANSLATE_NOOP(
    "Sync", "No secure password store (keyring) is available on this computer ({detail}). "
    "Your sign-in is kept in memory only: you will have to sign in again after FieldApp restarts.")

# Fallback store for this process: (service, account) -> token.
_memory: dict[tuple[str, str], str] = {}
_lock = threading.Lock()


def keyring_problem() -> str | None:
    """Why the current keyring backend cannot keep secrets, or None if it looks usable."""
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # noqa: BLE001 - a broken keyring install must not break sync
        return f"keyring error: {exc}"
    return _backend_problem(backend)


def _backend_problem(backend: object) -> str | None:
    from keyring.backends import chainer, fail, null

    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, fail.Keyring):
        return "no keyring backend found"
    if isinstance(backend, null.Keyring):
        return "keyring disabled (null backend)"
    if isinstance(backend, chainer.ChainerBackend):
        try:
            backends = list(backend.backends or [])
        except Exception as exc:  # noqa: BLE001
            return f"keyring error: {exc}"
        if not backends:
            return "no keyring backend found"
        problems = [_backend_problem(b) for b in backends]
        return problems[0] if all(problems) else None
    try:
        priority = float(getattr(backend, "priority", 1))
    except Exception:  # noqa: BLE001 - priority is a classproperty that may raise when unusable
        return f"{name} is not usable"
    if priority <= 0:
        return f"{name} is not usable"
    return None


def account_name(server_url: str, username: str, device_id: str) -> str:
    return f"{username}@{server_url}#{device_id}"


class Credentials:
    """The refresh token of one user on one server for one profile (device).

    Implements the :class:`fieldapp.sync.http.TokenStore` protocol.
    """

    def __init__(self, server_url: str, username: str, device_id: str):
        self.server_url = server_url
        self.username = username
        self.device_id = device_id
        self.account = account_name(server_url, username, device_id)
        problem = keyring_problem()
        self._use_keyring = problem is None
        self.warning: Message | None = None if problem is None else Message("Sync", MSG_NO_KEYRING,
                                                                            {"detail": problem})

    @property
    def persistent(self) -> bool:
        """True when the token survives a restart (kept by the OS keyring)."""
        return self._use_keyring

    def _fall_back(self, exc: BaseException) -> None:
        self._use_keyring = False
        self.warning = Message("Sync", MSG_NO_KEYRING, {"detail": f"{type(exc).__name__}: {exc}"})

    def get_refresh_token(self) -> str | None:
        if self._use_keyring:
            try:
                token = keyring.get_password(SERVICE, self.account)
            except Exception as exc:  # noqa: BLE001 - locked/broken keyring: fall back to memory
                self._fall_back(exc)
            else:
                if token:
                    return token
        with _lock:
            return _memory.get((SERVICE, self.account))

    def set_refresh_token(self, token: str | None) -> None:
        if token is None:
            self.clear()
            return
        if self._use_keyring:
            try:
                keyring.set_password(SERVICE, self.account, token)
            except Exception as exc:  # noqa: BLE001
                self._fall_back(exc)
            else:
                with _lock:
                    _memory.pop((SERVICE, self.account), None)
                return
        with _lock:
            _memory[(SERVICE, self.account)] = token

    def clear(self) -> None:
        with _lock:
            _memory.pop((SERVICE, self.account), None)
        if self._use_keyring:
            try:
                keyring.delete_password(SERVICE, self.account)
            except keyring.errors.PasswordDeleteError:
                pass
            except Exception as exc:  # noqa: BLE001
                self._fall_back(exc)
