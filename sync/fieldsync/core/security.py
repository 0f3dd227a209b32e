"""Passwords (argon2id) and opaque bearer tokens (stored as SHA-256 hashes)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# RFC 9106 "second recommended option" (64 MiB, 3 passes) is argon2-cffi's default.
_HASHERS = {
    "default": PasswordHasher(),
    # Only for tests: hashing thousands of times with the default costs minutes.
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}
TOKEN_BYTES = 32


def _hasher(profile: str) -> PasswordHasher:
    return _HASHERS.get(profile, _HASHERS["default"])


def hash_password(password: str, profile: str = "default") -> str:
    return _hasher(profile).hash(password)


def verify_password(stored_hash: str, password: str, profile: str = "default") -> bool:
    try:
        return _hasher(profile).verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str, profile: str = "default") -> bool:
    try:
        return _hasher(profile).check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


# Verified against when the user name is unknown, so both cases take the same time.
_DUMMY_HASHES: dict[str, str] = {}


def dummy_verify(password: str, profile: str = "default") -> None:
    if profile not in _DUMMY_HASHES:
        _DUMMY_HASHES[profile] = hash_password(secrets.token_hex(8), profile)
    verify_password(_DUMMY_HASHES[profile], password, profile)


def new_token() -> str:
    """An opaque random bearer token (URL-safe text, 256 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
