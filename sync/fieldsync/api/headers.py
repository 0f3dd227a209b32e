"""Security headers on every response, errors included.

The API answers JSON (and photo bytes) to the FieldApp client, never pages to a
browser, so the headers say exactly that: no content sniffing, no framing, no
referrer, no caching anywhere (the answers are one user's customer data), no
scripts or styles from anywhere (``Content-Security-Policy: default-src 'none'``).
The interactive API docs (``/docs``, ``/redoc``) are HTML pages that load their
scripts from a CDN; they get a policy that allows just that.

``Strict-Transport-Security`` is sent when the request came over HTTPS — directly,
or through a reverse proxy that says so (uvicorn runs with ``proxy_headers`` and
trusts ``X-Forwarded-Proto`` from 127.0.0.1) — unless ``hsts_seconds`` is 0.

Outermost middleware: it also covers the answers other middleware sends itself
(413, 426, 500).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
DOCS_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
            "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com; "
            "connect-src 'self'; worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")

BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, hsts_seconds: int = 0):
        self.app = app
        self.hsts = f"max-age={hsts_seconds}; includeSubDomains".encode() if hsts_seconds > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(BASE_HEADERS)
        extra.append((b"content-security-policy", (DOCS_CSP if scope["path"] in DOCS_PATHS else API_CSP).encode()))
        if self.hsts is not None and scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", self.hsts))
        names = {name for name, _ in extra}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Ours replace any the route set (one value per header, never two differing ones).
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)
