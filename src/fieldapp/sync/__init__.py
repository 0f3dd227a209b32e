"""The sync client: HTTP client, credentials, sync engine, probe backoff. No Qt.

- :mod:`.http` — :class:`SyncClient`, the protocol over HTTP, errors mapped to :mod:`.errors`;
- :mod:`.credentials` — refresh token in the OS keyring (or memory only, never a file);
- :mod:`.engine` — :class:`SyncEngine`: push, pull, digest check, photos;
- :mod:`.account` — sign a profile in and out;
- :mod:`.backoff` — when to probe the server again.
"""
