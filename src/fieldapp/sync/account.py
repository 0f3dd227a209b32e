"""Signing a profile in to a sync server and out again (used by ``fieldapp login`` and the GUI).

A profile belongs to one user: once it holds data from a server, signing in as
another user is refused (their data would mix); use another data folder.
The server URL, user name and CA bundle path go to the profile's ``sync_state``
table; the refresh token goes to :class:`~fieldapp.sync.credentials.Credentials`
(keyring or memory), never to disk. Blocking (HTTP, keyring): worker thread only.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from fieldapp.core.messages import QT_TRANSLATE_NOOP, Message
from fieldapp.core.protocol import UserInfo
from fieldapp.store import sync_state as ss
from fieldapp.store.db import write_transaction
from fieldapp.store.meta import is_demo_profile

from .credentials import Credentials
from .errors import SyncError
from .http import SyncClient, normalize_server_url

MSG_OTHER_USER = QT_TRANSLATE_NOOP(
    "Sync", "This profile holds the data of {owner} on {server}. Signing in as {user} here would mix two "
    "people's data: use another data folder (--data-dir) for {user}.")


MSG_DEMO_PROFILE = QT_TRANSLATE_NOOP(
    "Sync", "This profile holds made-up demo data, which must never reach the server. "
    "Sign in with a separate data folder (--data-dir) for your real work.")


class ProfileOwnedByOtherUser(SyncError):
    kind = "other_user"


class DemoProfile(SyncError):
    kind = "demo_profile"


@dataclass
class LoginResult:
    user: UserInfo
    client: SyncClient
    credentials: Credentials
    warning: Message | None  # e.g. no keyring: the sign-in is kept in memory only


def login(engine: Engine, server_url: str, username: str, password: str, *, ca_bundle: str | None = None,
          device_name: str | None = None, connect_timeout: float = 5.0, read_timeout: float = 60.0) -> LoginResult:
    """Sign in and remember where and as whom this profile syncs. Raises :class:`SyncError` subclasses."""
    server_url = normalize_server_url(server_url)
    if ca_bundle:
        ca_bundle = str(Path(ca_bundle).expanduser().resolve())
    with engine.begin() as conn:
        settings = ss.load_settings(conn)
        device_id = ss.client_id(conn)
        bound = ss.has_synced_data(conn)
        demo = is_demo_profile(conn)
    if demo:
        raise DemoProfile(Message("Sync", MSG_DEMO_PROFILE))
    if bound and settings.username and settings.username != username:
        raise ProfileOwnedByOtherUser(Message("Sync", MSG_OTHER_USER, {
            "owner": settings.username, "server": settings.server_url, "user": username}))
    credentials = Credentials(server_url, username, device_id)
    client = SyncClient(server_url, ca_bundle=ca_bundle, token_store=credentials, device_id=device_id,
                        connect_timeout=connect_timeout, read_timeout=read_timeout)
    pair = client.login(username, password, device_id, device_name or socket.gethostname())
    user = pair.user
    if bound and settings.user_id and settings.user_id != user.id:
        credentials.clear()
        raise ProfileOwnedByOtherUser(Message("Sync", MSG_OTHER_USER, {
            "owner": settings.username, "server": settings.server_url, "user": username}))
    with write_transaction(engine) as conn:
        if settings.server_url and settings.server_url != server_url:
            # Another address (maybe another server): its cursor means nothing here. Pull everything again.
            ss.set_cursor(conn, None)
        if settings.server_url and settings.username and (settings.server_url, settings.username) != (
                server_url, username):
            Credentials(settings.server_url, settings.username, device_id).clear()
        ss.save_settings(conn, ss.SyncSettings(
            server_url=server_url, username=username, ca_bundle=ca_bundle, user_id=user.id,
            display_name=user.display_name, role=user.role.value if user.role else None, team_id=user.team_id))
    return LoginResult(user=user, client=client, credentials=credentials, warning=credentials.warning)


def logout(engine: Engine, *, revoke: bool = True) -> bool:
    """Forget this profile's sign-in (and revoke it on the server when reachable).

    Returns True if the server confirmed the revocation. The server URL and user
    name stay (the profile still belongs to that user); the token is deleted.
    """
    with engine.begin() as conn:
        settings = ss.load_settings(conn)
        device_id = ss.client_id(conn)
    if not settings.configured:
        return False
    credentials = Credentials(settings.server_url, settings.username, device_id)
    confirmed = False
    if revoke and credentials.get_refresh_token():
        client = SyncClient(settings.server_url, ca_bundle=settings.ca_bundle or None, token_store=credentials,
                            device_id=device_id, read_timeout=15.0)
        try:
            client.logout()
            confirmed = True
        except SyncError:
            pass
        finally:
            client.close()
    credentials.clear()
    return confirmed
