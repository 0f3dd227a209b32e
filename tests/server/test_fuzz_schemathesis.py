"""schemathesis over the server's own OpenAPI description, in-process, signed in as each role.

Every operation of ``/openapi.json`` is fuzzed (schema examples, coverage cases and
random data — valid and invalid) through the real ASGI app on SQLite in a temp dir,
with the access token of a manager, a lead and an admin, so the requests get past
authentication into the handlers. Half of the valid cases are aimed at things that
exist — a stored photo, open conflicts, registered devices, a customer's row and
field names, a real sign-in — so the fuzz reaches the code behind "not found" too.

Checks: no 5xx; every status code documented; every answer (error bodies included)
matches its declared schema; content types and headers as declared; unsupported
methods answered 405 with a correct ``Allow``; invalid requests rejected;
authentication enforced where declared. ``test_fuzz_reached_the_handlers`` then
checks that every operation answered 2xx at least once (the run got past sign-in).

Not checked: ``positive_data_acceptance`` — the server rightly refuses some
schema-valid requests with 4xx (business rules beyond JSON Schema: unknown
conflict ids, out-of-scope rows, NUL in text...).

Bounded for CI: ``FUZZ_EXAMPLES`` examples per operation and role (default 25,
about 25 s here; ``FIELDSYNC_FUZZ_EXAMPLES=500`` for a long run, 6 min). Skipped when
schemathesis is not installed (it belongs in the ``dev`` extra).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import warnings
import zlib
from collections import Counter, defaultdict

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

from fieldsync.app import create_app  # noqa: E402
from fieldsync.auth import authenticate  # noqa: E402
from fieldsync.core.config import Settings  # noqa: E402
from fieldsync.errors import ApiError  # noqa: E402
from fieldsync.fields import ENTITY_FIELDS  # noqa: E402

from .helpers import PASSWORD, ins, make_harness, upd, visit_values  # noqa: E402

FUZZ_EXAMPLES = int(os.environ.get("FIELDSYNC_FUZZ_EXAMPLES", "25"))
ROLES = {"manager": "zhang", "lead": "lead1", "admin": "admin"}
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
          "missing_required_header", "unsupported_method", "allow_header_conformance", "ignored_auth"]
STATUSES: dict[str, Counter] = defaultdict(Counter)  # operation -> status codes seen


def _load_schema():
    # The description does not depend on the database: load it from an app on an in-memory engine
    # (no files touched at import); the requests go to the seeded app of the fixture below.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = create_app(Settings(), create_engine("sqlite://"))
        loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    loaded.config.generation.update(max_examples=FUZZ_EXAMPLES)
    # Invalid requests the server refuses with 413 (too large) or 426 (protocol version) are refused too.
    rejection = loaded.config.checks.negative_data_rejection
    rejection.expected_statuses = sorted({*rejection.expected_statuses, "413", "426"})
    return loaded


schema = _load_schema()
_CHECKS = [getattr(schemathesis.checks, name) for name in CHECKS]


class Known:
    """Real things in the fuzzed server, and signed-in devices per role (signed in again after a fuzzed
    call ended a session: logout, a revoked device)."""

    def __init__(self, h):
        self.h = h
        self.tokens: dict[str, str] = {}
        self.logins = 0
        self.customer = h.customers["zhang1"]
        zhang, lead = h.login("zhang", device_id="fuzz-setup"), h.login("lead1", device_id="fuzz-setup-lead")
        data = os.urandom(1000)
        self.sha = hashlib.sha256(data).hexdigest()
        r = h.http.put(f"/api/v1/photos/{self.sha}", params={"offset": 0, "total": len(data)}, content=data,
                       headers={**zhang.headers, "Content-Type": "application/octet-stream"})
        assert r.json()["complete"]
        visit = str(uuid.uuid4())
        zhang.push(ins(1, "visit", visit, visit_values(self.customer)),
                   ins(2, "attachment", str(uuid.uuid4()), {
                       "visit_id": visit, "item_key": "display_standard", "sha256": self.sha,
                       "filename": "p.jpg", "mime_type": "image/jpeg", "size_bytes": len(data)}))
        self.conflicts = []
        for i, label in enumerate(("zhang1", "zhang2") * 6):
            cid = h.customers[label]
            version = zhang.sync_down() and zhang.rows[("customer", cid)]["version"]
            lead.push(upd(10 + i, "customer", cid, version, {"grade": (None, 30 + i)}))
            self.conflicts.append(zhang.push(upd(10 + i, "customer", cid, version,
                                                 {"grade": (None, 60 + i)}))[0]["conflict_id"])
        self.victims = [f"victim-{i}" for i in range(12)]
        for device in self.victims:
            h.login("zhang", device_id=device)
        self.fields = sorted(ENTITY_FIELDS["customer"])

    def header(self, role: str) -> dict[str, str]:
        token = self.tokens.get(role)
        if token is not None:
            try:
                authenticate(self.h.engine, self.h.settings, token)
            except ApiError:
                token = None
        if token is None:
            self.logins += 1
            session = self.h.login(ROLES[role], device_id=f"fuzz-{role}-{self.logins}")
            token = self.tokens[role] = session.tokens["access_token"]
        return {"Authorization": f"Bearer {token}"}

    def aim(self, case) -> None:
        """Point half of the valid cases at real things (deterministically: replays stay the same)."""
        meta = getattr(case, "meta", None)
        if meta is not None and not meta.generation.mode.is_positive:
            return  # an invalid case stays exactly as generated
        pick = zlib.crc32(json.dumps([case.path_parameters, case.query, case.body], sort_keys=True,
                                     default=repr).encode())
        if pick % 2:
            return
        params = case.path_parameters
        if params and "sha256" in params:
            params["sha256"] = self.sha
        if params and "conflict_id" in params:
            params["conflict_id"] = self.conflicts[pick % len(self.conflicts)]
        if params and "device_id" in params:
            params["device_id"] = self.victims[pick % len(self.victims)]
        path, body = case.operation.path, case.body
        if path == "/api/v1/auth/login" and isinstance(body, dict):
            body.update(username="zhang", password=PASSWORD, device_id=f"fuzz-login-{pick % 7}")
        elif path == "/api/v1/auth/refresh" and isinstance(body, dict):
            device = f"fuzz-refresh-{pick}"
            body.update(refresh_token=self.h.login("zhang", device_id=device).tokens["refresh_token"],
                        device_id=device)
        elif path == "/api/v1/sync/push" and isinstance(body, dict) and isinstance(body.get("mutations"), list):
            for i, m in enumerate(body["mutations"]):
                if isinstance(m, dict) and isinstance(m.get("changes"), dict):
                    m.update(entity="customer", row_id=self.customer)
                    m["changes"] = {self.fields[(pick + i + j) % len(self.fields)]: v
                                    for j, v in enumerate(m["changes"].values())}


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    gen = make_harness(None, tmp_path_factory.mktemp("fuzz") / "server")
    yield Known(next(gen))
    gen.close()


@pytest.mark.parametrize("role", list(ROLES))
@schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_openapi_fuzz(case, role, known):
    known.aim(case)
    response = case.call_and_validate(app=known.h.http.app, headers=known.header(role), checks=_CHECKS)
    STATUSES[f"{case.operation.method.upper()} {case.operation.path}"][response.status_code] += 1


def test_fuzz_reached_the_handlers():
    """Every operation answered 2xx at least once: the fuzz got past sign-in and validation."""
    if not STATUSES:
        pytest.skip("run together with test_openapi_fuzz")
    for op, seen in sorted(STATUSES.items()):  # shown with -s or -rP
        print(f"{op:48} {dict(sorted(seen.items()))}")
    operations = {f"{op.method.upper()} {op.path}" for op in (r.ok() for r in schema.get_all_operations())}
    assert set(STATUSES) == operations
    never_ok = sorted(op for op, seen in STATUSES.items() if not any(200 <= s < 300 for s in seen))
    assert not never_ok, {op: dict(STATUSES[op]) for op in never_ok}
    assert all(STATUSES[op].total() >= 3 * min(FUZZ_EXAMPLES, 5) for op in operations), dict(STATUSES)
