"""Real servers for the tests, started from the machine's packages on loopback."""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from glob import glob
from pathlib import Path


def free_port() -> int:
    """Ask the kernel for a free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin_dir() -> Path | None:
    """Where initdb and pg_ctl live (Debian keeps them out of PATH)."""
    candidates = sorted(glob("/usr/lib/postgresql/*/bin"), reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.insert(0, str(Path(on_path).resolve().parent))
    for directory in candidates:
        if (Path(directory) / "initdb").exists() and (
            Path(directory) / "pg_ctl"
        ).exists():
            return Path(directory)
    return None


def _as_unprivileged(command: list[str]) -> tuple[list[str], str | None]:
    """PostgreSQL refuses to run as root: run it as the `postgres` user then."""
    if os.geteuid() != 0:
        return command, None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return ["runuser", "-u", name, "--", *command], name
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL")


def _run_tool(bin_dir: Path, *args: str) -> None:
    """Run a PostgreSQL tool (as an unprivileged user when we are root)."""
    command, _ = _as_unprivileged([str(bin_dir / args[0]), *args[1:]])
    subprocess.run(command, check=True, capture_output=True, text=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start a throwaway PostgreSQL server; yield a SQLAlchemy URL to its database."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL binaries (initdb, pg_ctl) not found")
    base = Path(tempfile.mkdtemp(prefix="marketplace-pg-"))
    data, port = base / "data", free_port()
    data.mkdir()
    _, user = _as_unprivileged([])
    if user:
        base.chmod(0o755)
        shutil.chown(data, user=user)
    data.chmod(0o700)
    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -k {data} -F "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    try:
        _run_tool(
            bin_dir,
            "initdb",
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        _pg_start(bin_dir, data, options)
        server = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        _DATA_DIRS[port] = (bin_dir, data, options)
        yield create_database(server, "marketplace")
    finally:
        _DATA_DIRS.pop(port, None)
        with contextlib.suppress(subprocess.CalledProcessError):
            _run_tool(
                bin_dir, "pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"
            )
        shutil.rmtree(base, ignore_errors=True)


# port -> (bin dir, data dir, server options) of the servers postgres_server runs.
_DATA_DIRS: dict[int, tuple[Path, Path, str]] = {}


def stop_postgres(url: str) -> None:
    """Stop a server of postgres_server (fast: open connections are cut)."""
    from urllib.parse import urlsplit

    bin_dir, data, _ = _DATA_DIRS[urlsplit(url).port]
    _run_tool(bin_dir, "pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")


def start_postgres(url: str) -> None:
    """Start again a server stopped by stop_postgres, on the same port and data."""
    from urllib.parse import urlsplit

    _pg_start(*_DATA_DIRS[urlsplit(url).port])


def _pg_start(bin_dir: Path, data: Path, options: str) -> None:
    """Start the server of a data folder and wait until it takes connections."""
    _run_tool(
        bin_dir,
        "pg_ctl",
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(data / "server.log"),
        "-w",
        "start",
    )


def create_database(server_url: str, name: str) -> str:
    """Create another database on a test server and return its URL."""
    import psycopg

    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


ROOT = Path(__file__).resolve().parent.parent


def wait_for_port(port: int, what: str, seconds: float = 10.0) -> None:
    """Wait until something listens on the loopback `port` (`what`: for the error)."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not start")
        time.sleep(0.05)


def wait_for_http(url: str, seconds: float = 30.0) -> None:
    """Wait until a URL answers (any status)."""
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(url) from None
            time.sleep(0.1)


@contextlib.contextmanager
def gunicorn_server(
    database_url: str,
    workers: int = 4,
    stderr=subprocess.DEVNULL,
    pidfile: Path | None = None,
    **env: str,
) -> Iterator[str]:
    """Serve the app with gunicorn on loopback, the way production does.

    `env` overrides the environment (e.g. MARKETPLACE_ENV=production); the server's
    log goes to `stderr` (an open file, or nowhere); its master's pid to `pidfile`.
    """
    import sys

    port = free_port()
    environment = {
        **os.environ,
        "MARKETPLACE_ENV": "development",
        "SECRET_KEY": "tests-only-secret",
        "DATABASE_URL": database_url,
        **env,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "512",
            *(["--pid", str(pidfile)] if pidfile else []),
            "wsgi:app",
        ],
        cwd=ROOT,
        env=environment,
        stderr=stderr,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(base + "/healthz")
        yield base
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(30)


def post_json(
    url: str, body: dict, headers: dict[str, str] | None = None
) -> tuple[int, dict]:
    """POST JSON with the standard library; return the status and the JSON answer."""
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """Start redis-server on a free loopback port; yield its redis:// URL (db 0).

    The caller checks that redis-server is installed (shutil.which).
    """
    port = free_port()
    process = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, "redis")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@contextlib.contextmanager
def huey_consumer(
    database_url: str, storage_uri: str, log: Path, workers: int = 1, **env: str
) -> Iterator[subprocess.Popen]:
    """Run the job queue's consumer (`huey_consumer marketplace.worker.huey`).

    It uses the database and the queue storage given; `env` adds settings (e.g.
    MAIL_SERVER); its log goes to the file `log`. Stopped gracefully (SIGINT) at
    the end unless the test killed it.
    """
    import sys

    environment = {
        **os.environ,
        "MARKETPLACE_ENV": "development",
        "SECRET_KEY": "tests-only-secret",
        "DATABASE_URL": database_url,
        "HUEY_STORAGE_URI": storage_uri,
        **env,
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "huey.bin.huey_consumer",
                "marketplace.worker.huey",
                "--workers",
                str(workers),
                "--worker-type",
                "thread",
            ],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
