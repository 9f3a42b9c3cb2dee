"""Access control of the dashboard: the token, CSRF tokens and response headers.

- With a token, every request but the login page and static files must carry it:
  ``Authorization: Bearer TOKEN`` / ``X-Tiger-Token: TOKEN`` (scripts), or the
  session cookie set by the login form (people).
- Without a token (loopback only), the Host header must name the loopback, so a
  web page cannot reach the dashboard through DNS rebinding.
- Every POST made with the session cookie carries the session's CSRF token (a
  hidden form field or ``X-CSRF-Token``); a request authenticated by header needs
  none, as no browser adds that header on its own.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, abort, redirect, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from tiger_cli.dashboard.hosts import is_loopback

#: Endpoints reachable without the token.
PUBLIC_ENDPOINTS = frozenset({"login", "static"})
_CSRF_KEY = "csrf"
_AUTH_KEY = "authenticated"


def csrf_token() -> str:
    """The session's CSRF token (created on first use)."""
    token = session.get(_CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[_CSRF_KEY] = token
    return token


def check_token(token: str, given: str | None) -> bool:
    """Compare ``given`` with the dashboard token in constant time."""
    return given is not None and hmac.compare_digest(token.encode(), given.encode())


def log_in(token: str, given: str | None) -> bool:
    """Mark the session authenticated when ``given`` is the token."""
    if not check_token(token, given):
        return False
    session.clear()
    session[_AUTH_KEY] = True
    return True


def log_out() -> None:
    """Forget the session (its authentication and CSRF token)."""
    session.clear()


def safe_next(target: str | None) -> str:
    """A same-site path to go back to after login (the overview otherwise)."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("overview")


def install(app: Flask, token: str | None) -> None:
    """Register the access checks and security headers on ``app``."""
    app.config["TIGER_TOKEN"] = token

    @app.before_request
    def _guard() -> BaseResponse | None:
        header_auth = token is not None and _header_token_ok(token)
        if token is None:
            _require_loopback_host()
        elif not (
            header_auth
            or session.get(_AUTH_KEY)
            or request.endpoint in PUBLIC_ENDPOINTS
        ):
            return _unauthenticated()
        if request.method == "POST" and not header_auth:
            _require_csrf()
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
            "form-action 'self'; base-uri 'none'"
        )
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["token_required"] = token is not None


def _header_token_ok(token: str) -> bool:
    given = request.headers.get("X-Tiger-Token")
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        given = auth.removeprefix("Bearer ").strip()
    return check_token(token, given)


def _require_loopback_host() -> None:
    host = urlsplit(f"//{request.host}").hostname or ""
    if not is_loopback(host):
        abort(400, description=f"unexpected Host header {request.host!r}")


def _require_csrf() -> None:
    given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
    expected = session.get(_CSRF_KEY)
    if not (
        isinstance(expected, str)
        and given
        and hmac.compare_digest(expected.encode(), given.encode())
    ):
        abort(400, description="missing or stale form token: reload the page")


def _unauthenticated() -> BaseResponse:
    if request.path.startswith("/api/") or request.method != "GET":
        abort(401, description="this dashboard needs its token")
    return redirect(url_for("login", next=request.full_path.rstrip("?")))
