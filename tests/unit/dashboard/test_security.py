"""Access control: the token (header or login form) and the loopback Host check."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tiger_cli.dashboard.app import create_app
from tiger_cli.dashboard.history import SizeHistory
from tiger_cli.dashboard.hosts import is_loopback
from tiger_cli.dashboard.service import DashboardService

TOKEN = "correct-horse-battery"


@pytest.fixture
def guarded(service: DashboardService, history: SizeHistory) -> Flask:
    return create_app(service, history, token=TOKEN)


def test_without_the_token_a_page_redirects_to_login(guarded: Flask) -> None:
    """A person without the session cookie is sent to the login form."""
    answer = guarded.test_client().get("/queues/email")

    assert 302 == answer.status_code
    assert "/login?next=/queues/email" == answer.headers["Location"]


def test_without_the_token_the_api_is_401(guarded: Flask) -> None:
    """A script without the token gets 401 JSON."""
    answer = guarded.test_client().get("/api/overview")

    assert 401 == answer.status_code
    assert "token" in answer.get_json()["error"]


@pytest.mark.parametrize(
    "headers", [{"Authorization": f"Bearer {TOKEN}"}, {"X-Tiger-Token": TOKEN}]
)
def test_the_token_header_lets_a_script_in(
    guarded: Flask, headers: dict[str, str]
) -> None:
    """Either header form is accepted, with no session and no CSRF token."""
    client = guarded.test_client()

    reads = client.get("/api/overview", headers=headers).status_code
    writes = client.post("/queues/a/resume", headers=headers).status_code

    assert (200, 302) == (reads, writes)


def test_a_wrong_header_token_is_refused(guarded: Flask) -> None:
    """A wrong token is no token."""
    answer = guarded.test_client().get(
        "/api/overview", headers={"Authorization": "Bearer nope"}
    )

    assert 401 == answer.status_code


def login(client: FlaskClient, token: str) -> int:
    client.get("/login")
    with client.session_transaction() as session:
        csrf = session["csrf"]
    answer = client.post(
        "/login", data={"token": token, "csrf_token": csrf, "next": "/"}
    )
    return answer.status_code


def test_the_login_form_sets_the_session(guarded: Flask) -> None:
    """After logging in with the token, pages open."""
    client = guarded.test_client()

    status = login(client, TOKEN)

    assert 302 == status
    assert 200 == client.get("/").status_code


def test_a_wrong_login_is_refused(guarded: Flask) -> None:
    """A wrong token shows the form again with 401."""
    client = guarded.test_client()

    status = login(client, "wrong-token-here")

    assert 401 == status
    assert 302 == client.get("/").status_code


def test_an_open_dashboard_refuses_foreign_host_headers(client: FlaskClient) -> None:
    """Without a token only loopback Host headers are served (DNS rebinding)."""
    foreign = client.get("/", headers={"Host": "evil.example:8080"}).status_code
    local = client.get("/", headers={"Host": "127.0.0.1:8080"}).status_code

    assert (400, 200) == (foreign, local)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.1", False),
        ("example.org", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    """Only loopback addresses and 'localhost' count as the loopback."""
    assert expected == is_loopback(host)
