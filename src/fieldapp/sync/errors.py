"""What can go wrong talking to the sync server, as exceptions the GUI and CLI can show.

Each carries a translatable :class:`~fieldapp.core.messages.Message` (``.message``)
and says whether retrying later can help (``.retryable``). None of them ever
means local data was lost: the outbox is only emptied by acknowledged pushes.
"""

from __future__ import annotations

from typing import Any

from fieldapp.core.messages import QT_TRANSLATE_NOOP, Message


class SyncError(Exception):
    """Base of every sync failure. ``kind`` is a stable machine-readable name."""

    kind = "error"
    retryable = False

    def __init__(self, message: Message | str, *, status: int | None = None, code: str | None = None,
                 detail: Any = None):
        if isinstance(message, str):
            message = Message("Sync", message)
        super().__init__(message.render())
        self.message = message
        self.status = status
        self.code = code
        self.detail = detail


class Offline(SyncError):
    """The server could not be reached or the connection broke (refused, DNS, timeout, cut)."""

    kind = "offline"
    retryable = True


class CertificateError(SyncError):
    """TLS verification failed: the server's certificate is not trusted (IT: set the CA bundle)."""

    kind = "certificate"


class AuthError(SyncError):
    kind = "auth"


class AuthExpired(AuthError):
    """No valid session: sign in again (refresh token missing, expired or rotated away)."""

    kind = "auth_expired"


class AuthRevoked(AuthError):
    """The account is disabled or this device's sign-in was revoked by an administrator."""

    kind = "auth_revoked"


class Forbidden(SyncError):
    """The server refused the request for this user (outside their scope)."""

    kind = "forbidden"


class Throttled(SyncError):
    """Too many attempts (e.g. failed logins); ``retry_after`` seconds if the server said."""

    kind = "throttled"
    retryable = True

    def __init__(self, message: Message | str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ProtocolMismatch(SyncError):
    """Client and server speak incompatible protocol versions (HTTP 426). The outbox is kept.

    ``client_too_old``: this FieldApp must be updated; otherwise the server must be.
    """

    kind = "protocol"

    def __init__(self, message: Message | str, *, client_too_old: bool, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.client_too_old = client_too_old


class ServerError(SyncError):
    """The server failed (5xx) or answered something unreadable; try again later."""

    kind = "server"
    retryable = True


class RequestRejected(SyncError):
    """The server refused a request as malformed (4xx); a bug on one side, not retryable as is."""

    kind = "rejected"


class Cancelled(SyncError):
    """The user (or the app shutting down) cancelled the sync between two steps."""

    kind = "cancelled"
    retryable = True


class NotConfigured(SyncError):
    """This profile has no server or user yet: run ``fieldapp login`` (or sign in from the window)."""

    kind = "not_configured"


MSG_OFFLINE = QT_TRANSLATE_NOOP("Sync", "Cannot reach the sync server at {url} ({detail}). "
                                "Your changes are kept on this laptop and will be sent later.")
MSG_CERT = QT_TRANSLATE_NOOP("Sync", "The server's certificate could not be verified ({detail}). "
                             "Ask IT for the CA bundle and sign in again with --ca-bundle.")
MSG_AUTH_EXPIRED = QT_TRANSLATE_NOOP("Sync", "Your sign-in has expired. Sign in again to sync; "
                                     "your changes are kept on this laptop.")
MSG_NOT_SIGNED_IN = QT_TRANSLATE_NOOP("Sync", "Not signed in to {url}. Sign in to sync (fieldapp login).")
MSG_AUTH_REVOKED = QT_TRANSLATE_NOOP("Sync", "The server refused this sign-in ({detail}). "
                                     "Ask your administrator; your changes are kept on this laptop.")
MSG_BAD_LOGIN = QT_TRANSLATE_NOOP("Sync", "Wrong user name or password.")
MSG_THROTTLED = QT_TRANSLATE_NOOP("Sync", "Too many attempts. Wait a moment and try again ({detail}).")
MSG_CLIENT_TOO_OLD = QT_TRANSLATE_NOOP("Sync", "This FieldApp is too old for the sync server. "
                                       "Update FieldApp to sync; your changes are kept on this laptop.")
MSG_SERVER_TOO_OLD = QT_TRANSLATE_NOOP("Sync", "The sync server is older than this FieldApp. "
                                       "Ask IT to update the server; your changes are kept on this laptop.")
MSG_SERVER_ERROR = QT_TRANSLATE_NOOP("Sync", "The sync server had a problem ({detail}). "
                                     "It will be tried again later; your changes are kept.")
MSG_REJECTED = QT_TRANSLATE_NOOP("Sync", "The sync server refused the request ({detail}).")
MSG_FORBIDDEN = QT_TRANSLATE_NOOP("Sync", "Not allowed for this user ({detail}).")
MSG_CANCELLED = QT_TRANSLATE_NOOP("Sync", "Sync cancelled. It will continue from where it stopped.")
MSG_NOT_CONFIGURED = QT_TRANSLATE_NOOP("Sync", "No sync server is set up for this profile. "
                                       "Sign in first: fieldapp login --server URL --user NAME")
