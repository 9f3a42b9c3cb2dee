"""The dashboard's Flask application: factory, pages and error pages."""

from __future__ import annotations

import secrets
from typing import Any

import redis
from flask import Flask, Response, abort, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from tiger_cli.dashboard import actions, security
from tiger_cli.dashboard.formatting import (
    call_preview,
    format_age,
    format_time,
    pretty_json,
)
from tiger_cli.dashboard.history import SizeHistory, build_chart
from tiger_cli.dashboard.service import STATES, DashboardService
from tiger_core.errors import TaskNotFound
from tiger_core.model.state import TaskState

#: Seconds between two refreshes of the overview's counts (by the page's script).
REFRESH_SECONDS = 5


def create_app(
    service: DashboardService, history: SizeHistory, *, token: str | None = None
) -> Flask:
    """Build the dashboard over ``service``.

    Args:
        service: the reads and actions (over a TaskTiger facade).
        history: the sampled queue sizes drawn by the charts.
        token: the access token; None leaves the dashboard open (loopback only).
    """
    app = Flask(__name__)
    app.secret_key = secrets.token_bytes(32)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="tiger_dashboard",
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.jinja_env.filters.update(
        time=format_time, pretty_json=pretty_json, preview=call_preview
    )
    security.install(app, token)
    _register_pages(app, service, history)
    actions.register(app, service)
    _register_errors(app)

    @app.context_processor
    def _context() -> dict[str, Any]:
        now = service.now()
        return {
            "now": now,
            "states": [str(state) for state in STATES],
            "age": lambda epoch: format_age(epoch, now),
            "refresh_seconds": REFRESH_SECONDS,
        }

    return app


def _register_pages(
    app: Flask, service: DashboardService, history: SizeHistory
) -> None:
    @app.get("/")
    def overview() -> str:
        return render_template(
            "overview.html", rows=service.overview(), history=history
        )

    @app.get("/api/overview")
    def overview_json() -> Response:
        rows = service.overview()
        return jsonify(
            now=service.now(),
            queues=[
                {"name": row.name, **row.counts, "paused_until": row.paused_until}
                for row in rows
            ],
            totals={
                str(state): sum(row.counts[str(state)] for row in rows)
                for state in STATES
            },
        )

    @app.get("/chart.svg")
    def chart() -> Response:
        queue = request.args.get("queue") or None
        now = service.now()
        drawing = build_chart(
            history.samples(now), now=now, span=history.span(now), queue=queue
        )
        svg = render_template("chart.svg", chart=drawing)
        return Response(svg, mimetype="image/svg+xml")

    @app.get("/queues/<path:queue>")
    def queue_page(queue: str) -> str:
        state = _state_arg(request.args.get("state", "error"))
        page = request.args.get("page", 1, type=int) or 1
        return render_template(
            "queue.html",
            row=service.queue_row(queue),
            listing=service.task_page(queue, state, page),
            history=history,
        )

    @app.get("/tasks/<task_id>")
    def task_page(task_id: str) -> str:
        queue = request.args.get("queue", "")
        if not queue:
            abort(400, description="a task page needs ?queue=NAME")
        task = service.find_task(queue, task_id)
        payload = task.data.to_wire() if task.data else None
        return render_template("task.html", task=task, payload=payload)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(ok=True)


def _state_arg(text: str) -> TaskState:
    try:
        return TaskState(text)
    except ValueError:
        abort(400, description=f"unknown state {text!r}: use {', '.join(STATES)}")


def _register_errors(app: Flask) -> None:
    @app.errorhandler(TaskNotFound)
    def _not_found(exc: TaskNotFound) -> tuple[str, int]:
        return _error_page(404, "Task not found", f"{exc} — it may have finished.")

    @app.errorhandler(redis.RedisError)
    def _storage_down(exc: redis.RedisError) -> tuple[str | Response, int]:
        message = f"Redis did not answer: {exc}"
        if request.path.startswith("/api/"):
            return jsonify(error=message), 503
        return _error_page(503, "Storage unavailable", message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[str | Response, int]:
        code = exc.code or 500
        if request.path.startswith("/api/"):
            return jsonify(error=exc.description), code
        return _error_page(code, exc.name, exc.description or "")


def _error_page(code: int, title: str, message: str) -> tuple[str, int]:
    return render_template("error.html", code=code, title=title, message=message), code
