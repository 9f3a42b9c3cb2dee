"""The dashboard's pages and actions through Flask's test client (memory store)."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.dashboard_support import add_error, add_task
from tiger_adapters.compat import TaskTiger
from tiger_cli.dashboard.service import DashboardService
from tiger_core.model.state import TaskState


def csrf(client: FlaskClient) -> str:
    """Open a page with forms and return the session's CSRF token."""
    client.get("/queues/email")
    with client.session_transaction() as session:
        token: str = session["csrf"]
    return token


def test_overview_lists_queues_and_their_counts(
    tiger: TaskTiger, client: FlaskClient
) -> None:
    """The overview links each queue and shows its error count."""
    add_error(tiger, "e1", queue="email")

    page = client.get("/").get_data(as_text=True)

    assert 'href="/queues/email"' in page
    assert 'data-count="error"' in page


def test_overview_json_feeds_the_refresh(tiger: TaskTiger, client: FlaskClient) -> None:
    """The JSON endpoint returns per-queue counts and totals."""
    add_error(tiger, "e1", queue="email")
    add_task(tiger, "q1", queue="email")

    data = client.get("/api/overview").get_json()

    assert [{"name": "email", "queued": 1, "active": 0, "scheduled": 0, "error": 1,
             "paused_until": None}] == data["queues"]  # fmt: skip
    assert 1 == data["totals"]["error"]


def test_queue_page_lists_the_tasks_of_a_state(
    tiger: TaskTiger, client: FlaskClient
) -> None:
    """The error tab shows each task with its exception name."""
    add_error(tiger, "e1", queue="email")

    page = client.get("/queues/email?state=error").get_data(as_text=True)

    assert 'data-task="e1"' in page
    assert "builtins.ValueError" in page


def test_queue_page_rejects_an_unknown_state(client: FlaskClient) -> None:
    """An unknown state is a 400 naming it."""
    answer = client.get("/queues/email?state=done")

    assert 400 == answer.status_code
    assert "unknown state" in answer.get_data(as_text=True)


def test_task_page_shows_payload_and_traceback(
    tiger: TaskTiger, client: FlaskClient
) -> None:
    """The task page shows the function, the payload and the traceback."""
    add_error(tiger, "e1", queue="email")

    page = client.get("/tasks/e1?queue=email").get_data(as_text=True)

    assert "tests.sample_tasks:add" in page
    assert "ValueError: boom" in page


def test_unknown_task_is_a_404_page(client: FlaskClient) -> None:
    """A task that is gone gets a 404 that says it may have finished."""
    answer = client.get("/tasks/nope?queue=email")

    assert 404 == answer.status_code
    assert "may have finished" in answer.get_data(as_text=True)


def test_retry_with_the_csrf_token_queues_the_task(
    tiger: TaskTiger, client: FlaskClient, service: DashboardService
) -> None:
    """Retry posts with the session's token, and the task is queued again."""
    add_error(tiger, "e1", queue="email")
    token = csrf(client)

    answer = client.post(
        "/tasks/e1/retry", data={"queue": "email", "csrf_token": token}
    )

    assert 302 == answer.status_code
    assert TaskState.QUEUED == service.find_task("email", "e1").state


def test_a_post_without_the_csrf_token_is_refused(
    tiger: TaskTiger, client: FlaskClient, service: DashboardService
) -> None:
    """A forged form (no token) changes nothing."""
    add_error(tiger, "e1", queue="email")
    client.get("/")

    answer = client.post("/tasks/e1/retry", data={"queue": "email"})

    assert 400 == answer.status_code
    assert TaskState.ERROR == service.find_task("email", "e1").state


def test_queue_actions_pause_resume_and_bulk(
    tiger: TaskTiger, client: FlaskClient, service: DashboardService
) -> None:
    """Pause, resume, retry-all and delete-all through their forms."""
    add_error(tiger, "e1", queue="email")
    add_error(tiger, "e2", queue="email")
    token = csrf(client)

    client.post("/queues/email/pause", data={"seconds": "60", "csrf_token": token})
    paused = service.paused_until("email")
    client.post("/queues/email/resume", data={"csrf_token": token})
    client.post("/queues/email/retry-errors", data={"csrf_token": token})

    assert paused is not None
    assert None is service.paused_until("email")
    assert 2 == service.queue_row("email").counts["queued"]


def test_delete_task_form(
    tiger: TaskTiger, client: FlaskClient, service: DashboardService
) -> None:
    """Delete removes a scheduled task from its state."""
    add_task(tiger, "s1", queue="email", state=TaskState.SCHEDULED, score=2e9)
    token = csrf(client)

    client.post(
        "/tasks/s1/delete",
        data={"queue": "email", "state": "scheduled", "csrf_token": token},
    )

    assert 0 == service.queue_row("email").total


def test_chart_is_an_svg(client: FlaskClient) -> None:
    """The chart endpoint answers SVG, before any sample too."""
    answer = client.get("/chart.svg?queue=email")

    assert "image/svg+xml" == answer.mimetype
    assert "Collecting samples" in answer.get_data(as_text=True)


def test_pages_forbid_framing_and_foreign_scripts(client: FlaskClient) -> None:
    """Every answer carries the security headers."""
    headers = client.get("/").headers

    assert "DENY" == headers["X-Frame-Options"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
