"""`tiger dashboard` in a real headless Chromium (Debian's), driven by Playwright.

The dashboard runs as a subprocess against the session's real Redis. The test
loads the overview, opens a queue, opens an error task, retries it and sees it
leave the error state; it saves the three pages under docs/ (the README shows the
overview). Chromium comes from Debian (`make browser`); Playwright's own browser
download is never used. Without /usr/bin/chromium the test is skipped locally and
fails when CI is set.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.dashboard_support import add_error, add_task
from tiger_adapters.compat import TaskTiger
from tiger_core.model.state import TaskState

CHROMIUM = os.environ.get("TIGER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS = Path(__file__).resolve().parents[2] / "docs"
STARTUP_TIMEOUT_S = 20.0
UI_TIMEOUT_MS = 15_000
MISSING = (
    f"{CHROMIUM} not found: install Debian's chromium (make browser, or "
    "apt-get install chromium) or set TIGER_CHROMIUM"
)

TRACEBACK = """Traceback (most recent call last):
  File "/srv/app/tasks.py", line 41, in send_welcome_email
    smtp.send(message)
  File "/srv/app/mail.py", line 17, in send
    raise ConnectionRefusedError("smtp.internal:25 refused the connection")
ConnectionRefusedError: smtp.internal:25 refused the connection
"""
EXCEPTION = "builtins.ConnectionRefusedError"


def _chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
        pytest.fail(f"CI is set but {MISSING}")
    pytest.skip(MISSING)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _seed(client: redis.Redis) -> str:
    """Three queues with tasks in every state; returns the error task to retry."""
    tiger = TaskTiger(connection=client)
    email = "app.tasks:send_welcome_email"
    for task_id, user in (
        ("a1" * 16, "ada@example.com"),
        ("b2" * 16, "bob@example.com"),
    ):
        add_error(tiger, task_id, queue="email", func=email, args=[user],
                  traceback=TRACEBACK, exception_name=EXCEPTION)  # fmt: skip
    add_error(tiger, "c3" * 16, queue="reports", func="app.reports:build_monthly")
    for n in range(7):
        add_task(tiger, f"q{n:031d}", queue="email", func="app.tasks:send_newsletter",
                 args=[f"user-{n}@example.com"])  # fmt: skip
    for n in range(3):
        due = time.time() + 600 * (n + 1)
        add_task(tiger, f"s{n:031d}", queue="reports", func="app.reports:build_daily",
                 args=[n], state=TaskState.SCHEDULED, score=due)  # fmt: skip
    for n in range(12):
        add_task(tiger, f"h{n:031d}", queue="default.high", func="app.billing:charge",
                 args=[1000 + n, "EUR"])  # fmt: skip
    return "a1" * 16


@pytest.fixture
def dashboard(redis_url: str, redis_client: redis.Redis) -> Iterator[str]:
    """A running `tiger dashboard` on a free loopback port; yields its base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "tiger_cli.admin", "--url", redis_url, "dashboard",
               "--port", str(port), "--sample-interval", "0.5"]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, base)
        yield base
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
        print(output)


def _wait_until_up(process: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"tiger dashboard exited: {process.communicate()[0]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail("tiger dashboard did not answer in time")


@pytest.mark.timeout(120)
def test_retry_an_error_task_in_a_real_browser(
    dashboard: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """Overview → queue → error task → Retry: the task leaves the error state."""
    from playwright.sync_api import expect, sync_playwright

    # expect() has its own 5 s default; the overview refreshes every 5 s, so a loaded
    # 2-core machine needs more room than that.
    expect.set_options(timeout=UI_TIMEOUT_MS)

    chromium = _chromium_or_skip()
    task_id = _seed(redis_client)
    DOCS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 860},
        )
        page = context.new_page()
        page.set_default_timeout(UI_TIMEOUT_MS)

        page.goto(dashboard + "/")
        expect(
            page.locator('tr[data-queue="email"] [data-count="error"]')
        ).to_have_text("2")
        add_error(TaskTiger(connection=redis_client), "d4" * 16, queue="reports")
        expect(page.locator('[data-total="error"]')).to_have_text("4")  # refreshed
        page.reload()
        page.wait_for_timeout(1500)  # a few chart samples
        page.screenshot(path=str(DOCS / "dashboard-overview.png"), full_page=True)

        page.get_by_role("link", name="email", exact=True).click()
        expect(page.locator("h1")).to_have_text("email")
        expect(page.locator("#tasks tbody tr[data-task]")).to_have_count(2)
        page.screenshot(path=str(DOCS / "dashboard-queue.png"), full_page=True)

        page.locator(f'tr[data-task="{task_id}"] a.mono').click()
        expect(page.locator("#task-state")).to_have_text("error")
        expect(page.locator("pre.traceback")).to_contain_text("ConnectionRefusedError")
        page.screenshot(path=str(DOCS / "dashboard-task.png"), full_page=True)

        page.locator("#retry").click()
        expect(page.locator("#task-state")).to_have_text("queued")
        expect(page.locator(".flash")).to_contain_text("queued again")
        context.close()

    assert redis_client.zscore("t:error:email", task_id) is None
    assert redis_client.zscore("t:queued:email", task_id) is not None


def test_chromium_is_debians_not_a_download() -> None:
    """The browser used is the system's Chromium, which answers --version."""
    chromium = _chromium_or_skip()

    version = subprocess.run(
        [chromium, "--version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout

    assert "Chromium" in version
    assert shutil.which("chromium") is not None
