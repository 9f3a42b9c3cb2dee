"""The dashboard's POST endpoints (each CSRF-checked by ``security``) and login."""

from __future__ import annotations

from flask import Flask, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from tiger_cli.dashboard import security
from tiger_cli.dashboard.service import DashboardService
from tiger_core.model.state import TaskState


def register(app: Flask, service: DashboardService) -> None:
    """Add the login, task and queue actions to ``app``."""
    _register_login(app)
    _register_task_actions(app, service)
    _register_queue_actions(app, service)


def _register_login(app: Flask) -> None:
    @app.route("/login", methods=["GET", "POST"])
    def login() -> str | Response | tuple[str, int]:
        token = app.config.get("TIGER_TOKEN")
        target = security.safe_next(request.values.get("next"))
        if token is None:
            return redirect(target)
        if request.method == "POST":
            if security.log_in(token, request.form.get("token")):
                return redirect(target)
            return render_template("login.html", failed=True, next=target), 401
        return render_template("login.html", failed=False, next=target)

    @app.post("/logout")
    def logout() -> Response:
        security.log_out()
        return redirect(url_for("login"))


def _register_task_actions(app: Flask, service: DashboardService) -> None:
    @app.post("/tasks/<task_id>/retry")
    def retry_task(task_id: str) -> Response:
        queue = _form("queue")
        service.retry_task(queue, task_id)
        flash(f"Task {task_id} was queued again.", "success")
        return redirect(url_for("task_page", task_id=task_id, queue=queue))

    @app.post("/tasks/<task_id>/delete")
    def delete_task(task_id: str) -> Response:
        queue = _form("queue")
        state = _form("state")
        try:
            service.delete_task(queue, task_id, TaskState(state))
        except ValueError as exc:
            abort(400, description=str(exc))
        flash(f"Task {task_id} was deleted.", "success")
        return redirect(url_for("queue_page", queue=queue, state=state))


def _register_queue_actions(app: Flask, service: DashboardService) -> None:
    @app.post("/queues/<path:queue>/retry-errors")
    def retry_errors(queue: str) -> Response:
        count = service.retry_errors(queue)
        flash(f"{count} errored task(s) of {queue} were queued again.", "success")
        return redirect(url_for("queue_page", queue=queue, state="queued"))

    @app.post("/queues/<path:queue>/delete-errors")
    def delete_errors(queue: str) -> Response:
        count = service.delete_errors(queue)
        flash(f"{count} errored task(s) of {queue} were deleted.", "success")
        return redirect(url_for("queue_page", queue=queue, state="error"))

    @app.post("/queues/<path:queue>/pause")
    def pause(queue: str) -> Response:
        seconds = request.form.get("seconds", type=float)
        if seconds is None:
            abort(400, description="pause needs a number of seconds")
        try:
            service.pause(queue, seconds)
        except ValueError as exc:
            abort(400, description=str(exc))
        flash(f"{queue} is paused for {seconds:g} s.", "success")
        return redirect(url_for("queue_page", queue=queue))

    @app.post("/queues/<path:queue>/resume")
    def resume(queue: str) -> Response:
        service.resume(queue)
        flash(f"{queue} was resumed.", "success")
        return redirect(url_for("queue_page", queue=queue))


def _form(name: str) -> str:
    value = request.form.get(name, "")
    if not value:
        abort(400, description=f"the form has no {name!r}")
    return value
