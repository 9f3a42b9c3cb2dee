"""Credentials, ACL and TLS problems fail fast: one line, never the password.

A real ``redis-server --requirepass`` (plus an ACL user allowed only the
connection commands) and a TLS-only server with a self-signed certificate.
``Worker.run`` raises ``RedisSetupError`` at once instead of retrying forever;
``tiger-worker`` prints one line and exits 2 (the setup is wrong: a restart will
not help).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.chaos.redis_server import RedisServer
from tiger_adapters.compat import TaskTiger, Worker
from tiger_adapters.compat.outage import Fault, RedisSetupError

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "right-pw-3141"
WRONG = "wrong-pw-2718"
LIMITED = ("pingonly", "limited-pw-1618")
#: Exit code of tiger-worker for a configuration or credentials error.
SETUP_EXIT = 2


def wait_ready(client: redis.Redis, what: str) -> None:
    """Poll PING with a client that can authenticate."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if client.ping():
                return
        except redis.RedisError:
            time.sleep(0.05)
    pytest.fail(f"{what} did not come up")


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server with requirepass and an ACL user allowed @connection only."""
    server = RedisServer(
        tmp_path_factory.mktemp("auth"), extra=("--requirepass", PASSWORD)
    )
    server.start(wait=False)
    admin = server.client(password=PASSWORD)
    try:
        wait_ready(admin, "redis-server --requirepass")
        user, secret = LIMITED
        admin.acl_setuser(
            user, enabled=True, passwords=[f"+{secret}"], keys=["*"],
            commands=["+@connection"],
        )  # fmt: skip
        yield server
    finally:
        admin.close()
        server.stop()


def url_of(server: RedisServer, auth: str) -> str:
    """The server's URL with ``auth`` (``user:password``) in front of the host."""
    return f"redis://{auth}@127.0.0.1:{server.port}/0"


def child_env() -> dict[str, str]:
    """The environment of a child process, with the repository importable."""
    paths = [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def run_cli(*args: str, module: str = "tiger_cli") -> tuple[int, str, float]:
    """Run a CLI to its end: exit code, stderr and how long it took."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return done.returncode, done.stderr, time.monotonic() - started


def one_error_line(stderr: str) -> str:
    """The single ``Error:`` line; no other error line and no traceback."""
    errors = [line for line in stderr.splitlines() if line.startswith("Error")]
    assert 1 == len(errors), stderr
    assert "Traceback" not in stderr
    return errors[0]


@pytest.mark.parametrize(
    "how", ["url", "options", "no password"], ids=["url", "-a", "none"]
)
def test_tiger_worker_refuses_a_wrong_password_fast(
    auth_server: RedisServer, how: str
) -> None:
    """Exit 2 within 2 s, stderr exactly one line naming the problem, no password."""
    port = str(auth_server.port)
    args = {
        "url": ["--url", url_of(auth_server, f":{WRONG}")],
        "options": ["-h", "127.0.0.1", "-p", port, "-a", WRONG],
        "no password": ["--url", auth_server.url],
    }[how]

    code, stderr, took = run_cli(*args)

    assert (SETUP_EXIT, 1) == (code, len(stderr.strip().splitlines())), stderr
    line = one_error_line(stderr)
    shown = "" if how == "no password" else ":***@"
    assert f"Redis at redis://{shown}127.0.0.1:{port}/0 refused the credentials" in line
    assert "(AuthenticationError: " in line
    assert WRONG not in stderr
    assert took < 2, f"took {took:.2f} s"


def run_in_thread(worker: Worker) -> tuple[threading.Thread, list[BaseException]]:
    """Start ``worker.run()`` in a thread; what it raises is collected."""
    raised: list[BaseException] = []

    def target() -> None:
        try:
            worker.run()
        except BaseException as exc:  # handed to the test
            raised.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, raised


def finished_with(worker: Worker, within: float) -> BaseException:
    """What ``worker.run()`` raised within ``within`` seconds (fails if it loops)."""
    thread, raised = run_in_thread(worker)
    thread.join(within)
    if thread.is_alive():
        worker.stop()
        thread.join(10)
        pytest.fail(f"Worker.run() still retrying after {within} s: {raised}")
    assert 1 == len(raised)
    return raised[0]


def test_worker_run_raises_at_once_on_a_wrong_password(
    auth_server: RedisServer,
) -> None:
    """No retrying forever: one RedisSetupError naming the credentials problem."""
    connection = redis.Redis.from_url(
        url_of(auth_server, f":{WRONG}"), decode_responses=True, protocol=2
    )
    tiger = TaskTiger(connection=connection, config={"REDIS_PREFIX": "auth"})
    started = time.monotonic()

    error = finished_with(Worker(tiger, executor="sync"), within=5)

    assert isinstance(error, RedisSetupError), repr(error)
    assert Fault.CREDENTIALS is error.fault
    assert time.monotonic() - started < 2
    assert WRONG not in str(error)
    assert f"redis://:***@127.0.0.1:{auth_server.port}/0" in str(error)


def limited_tiger(server: RedisServer) -> TaskTiger:
    """A TaskTiger logged in as the ACL user allowed only connection commands."""
    user, secret = LIMITED
    connection = redis.Redis.from_url(
        url_of(server, f"{user}:{secret}"), decode_responses=True, protocol=2
    )
    return TaskTiger(connection=connection, config={"REDIS_PREFIX": "acl"})


def test_worker_run_raises_on_a_missing_acl_permission(
    auth_server: RedisServer,
) -> None:
    """NOPERM on the worker's scripts is a RedisSetupError naming the ACL."""
    error = finished_with(Worker(limited_tiger(auth_server), executor="sync"), 5)

    assert isinstance(error, RedisSetupError), repr(error)
    assert Fault.PERMISSION is error.fault
    assert "NoPermissionError" in str(error)


def test_tiger_worker_exits_2_on_a_missing_acl_permission(
    auth_server: RedisServer,
) -> None:
    """The CLI ends with one Error line (exit 2), not a traceback."""
    user, secret = LIMITED

    code, stderr, _ = run_cli("--url", url_of(auth_server, f"{user}:{secret}"))

    assert SETUP_EXIT == code, stderr
    line = one_error_line(stderr)
    assert "ACL" in line
    assert "NoPermissionError" in line
    assert secret not in stderr


def test_the_admin_command_names_wrong_credentials(auth_server: RedisServer) -> None:
    """``tiger`` fails fast as before (exit 1), and says what is wrong."""
    url = url_of(auth_server, f":{WRONG}")

    code, stderr, _ = run_cli("--url", url, "queues", module="tiger_cli.admin")

    assert 1 == code, stderr
    line = one_error_line(stderr)
    assert "refused the credentials" in line
    assert WRONG not in stderr


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A TLS-only redis-server with a self-signed certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    workdir = tmp_path_factory.mktemp("tls")
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server = RedisServer(workdir)
    server.flags += [
        "--port", "0", "--tls-port", str(server.port), "--tls-auth-clients", "no",
        "--tls-cert-file", str(cert), "--tls-key-file", str(key),
    ]  # fmt: skip
    server.start(wait=False)
    probe = redis.Redis.from_url(
        f"rediss://127.0.0.1:{server.port}/0?ssl_cert_reqs=none", protocol=2
    )
    try:
        time.sleep(0.2)
        if server.process is not None and server.process.poll() is not None:
            pytest.skip("redis-server was built without TLS")
        wait_ready(probe, "redis-server --tls-port")
        yield server
    finally:
        probe.close()
        server.stop()


def test_tiger_worker_exits_2_on_an_untrusted_certificate(
    tls_server: RedisServer,
) -> None:
    """A certificate that does not verify: one TLS line, exit 2, at once."""
    code, stderr, took = run_cli("--url", f"rediss://127.0.0.1:{tls_server.port}/0")

    assert SETUP_EXIT == code, stderr
    line = one_error_line(stderr)
    assert f"Redis at rediss://127.0.0.1:{tls_server.port}/0: TLS failed" in line
    assert "CERTIFICATE_VERIFY_FAILED" in line
    assert took < 5, f"took {took:.2f} s"
