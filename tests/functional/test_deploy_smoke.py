"""Production the way the README says: its deploy steps as written, then a journey."""

import importlib.metadata
import io
import json
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from marketplace import create_app
from marketplace.config import ProductionConfig, TestingConfig
from marketplace.extensions import db
from marketplace.models import utcnow
from tests import factories
from tests.functional.test_rate_limit_workers import redis_url  # noqa: F401
from tests.servers import (
    ROOT,
    free_port,
    post_json,
    postgres_bin_dir,
    postgres_server,
    wait_for_http,
)


def test_healthz_answers_503_when_the_database_is_down():
    down = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/marketplace"
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": down})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unreachable"}


@pytest.fixture
def restore_logging():
    """Put the app logger back as it was after a production app changed it."""
    logger = logging.getLogger("marketplace")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    yield
    logger.handlers[:] = saved[0]
    logger.propagate, logger.level = saved[1], saved[2]
    logger.setLevel(saved[2])


def json_lines(app) -> io.StringIO:
    """Capture what the app's JSON log handler writes."""
    stream = io.StringIO()
    logger = logging.getLogger("marketplace")
    (handler,) = [h for h in logger.handlers if getattr(h, "marketplace_json", False)]
    handler.setStream(stream)
    return stream


def test_production_logs_one_json_line_per_request(make_app, restore_logging):
    app = make_app(ProductionConfig, **factories.PRODUCTION_SETTINGS)
    stream = json_lines(app)
    client = app.test_client()
    host = {"Host": "expo.example.org"}
    response = client.get(
        "/reset-password/secret-token?email=someone@example.org",
        headers={"X-Request-ID": "proxy-given-id-1234", **host},
    )
    assert response.headers["X-Request-ID"] == "proxy-given-id-1234"
    client.get("/healthz", headers={"X-Request-ID": "bad id <script>", **host})
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "marketplace.request"]
    assert len(requests) == 2
    first, second = requests
    assert first["method"] == "GET" and first["status"] == 400
    assert first["path"] == "/reset-password/<reset_token>"
    assert first["request_id"] == "proxy-given-id-1234"
    assert isinstance(first["duration_ms"], float)
    assert second["request_id"] != "bad id <script>" and len(second["request_id"]) == 32
    text = stream.getvalue()
    assert "secret-token" not in text and "someone@example.org" not in text


def test_development_keeps_plain_logs(app):
    assert (
        not [
            h
            for h in logging.getLogger("marketplace").handlers
            if getattr(h, "marketplace_json", False)
        ]
        or app.config["ENV_NAME"] != "production"
    )
    response = app.test_client().get("/healthz")
    assert len(response.headers["X-Request-ID"]) == 32


def _get(url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={**HOST, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# The README's deployment, as the smoke test runs it.
README = ROOT / "README.md"
DEPLOY_GUIDE = ROOT / "docs" / "deploy.md"
PUBLIC_HOST = "expo.example.org"
HOST = {"Host": PUBLIC_HOST}  # what nginx passes on (proxy_set_header Host $host)
README_VARIABLES = {
    "MARKETPLACE_ENV",
    "SECRET_KEY",
    "PUBLIC_URL",
    "DATABASE_URL",
    "RATELIMIT_STORAGE_URI",
    "HUEY_STORAGE_URI",
}
STAFF_PASSWORD = "ทดสอบระบบก่อนเปิดงาน staff 2570"


def readme_deploy_lines() -> list[str]:
    """The command lines of the README's "Deploy on PostgreSQL" block."""
    section = README.read_text().split("## Deploy on PostgreSQL", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "no sh block under 'Deploy on PostgreSQL'"
    return [
        line.strip()
        for line in block.group(1).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _exported(line: str) -> str | None:
    found = re.match(r"export (\w+)=", line)
    return found.group(1) if found else None


def _command(line: str) -> str:
    """A shell line without its trailing comment, whitespace collapsed."""
    return " ".join(re.split(r"\s#\s", line, maxsplit=1)[0].split())


def test_readme_and_deploy_guide_give_the_same_steps():
    lines = readme_deploy_lines()
    assert {_exported(line) for line in lines} - {None} == README_VARIABLES
    guide = DEPLOY_GUIDE.read_text()
    guide_commands = {_command(line) for line in guide.splitlines()}
    for line in lines:
        name = _exported(line)
        if name:
            assert f"export {name}=" in guide, name
        else:
            assert _command(line) in guide_commands, line


def fresh_checkout(target: Path) -> Path:
    """Copy the checkout's files as a clone would have them (no .mo, no .venv)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.split(b"\0")):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            copy = target / os.fsdecode(name)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy)
    assert not list(target.glob("marketplace/translations/*/LC_MESSAGES/*.mo"))
    return target


def offline_packages(checkout: Path, scratch: Path) -> dict[str, str]:
    """Let the README's venv find this test run's packages instead of an index.

    `python3` is this interpreter; the venv gets a .pth putting the packages of
    the running tests (without this project's own install) first on its path,
    and pip installs offline without build isolation. Everything else is the
    README's commands as written.
    """
    bin_dir = scratch / "bin"
    bin_dir.mkdir()
    base = getattr(sys, "_base_executable", sys.executable)
    (bin_dir / "python3").symlink_to(base)
    packages = scratch / "site-packages"
    packages.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        own = entry.name.startswith(("good_society_marketplace", "__editable__"))
        if not own and entry.suffix != ".pth" and entry.name != "__pycache__":
            (packages / entry.name).symlink_to(entry)
    # Without pip: the README's own `python3 -m venv .venv` adds it (and keeps
    # the .pth below), so ensurepip runs once.
    subprocess.run(
        [str(bin_dir / "python3"), "-m", "venv", "--without-pip", ".venv"],
        cwd=checkout,
        check=True,
    )
    (site,) = checkout.glob(".venv/lib/python*/site-packages")
    (site / "_smoke_test_packages.pth").write_text(
        f"import sys; sys.path.insert(0, {str(packages)!r})\n"
    )
    # The commands pip would have put in .venv/bin had it installed the packages.
    python = checkout / ".venv" / "bin" / "python"
    for dist in importlib.metadata.distributions(path=[str(packages)]):
        for entry in dist.entry_points.select(group="console_scripts"):
            script = checkout / ".venv" / "bin" / entry.name
            if not script.exists():
                script.write_text(
                    f"#!{python}\nimport sys\nimport {entry.module}\n"
                    f"sys.exit({entry.module}.{entry.attr}())\n"
                )
                script.chmod(0o755)
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "VIRTUAL_ENV", "PIP_CONSTRAINT"}
        and not key.startswith(("MARKETPLACE_", "RATELIMIT_", "HUEY_"))
    }
    return {
        **environment,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PIP_NO_INDEX": "1",
        # pip reads this variable inverted: "0" turns build isolation off.
        "PIP_NO_BUILD_ISOLATION": "0",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def run_readme_setup(
    checkout: Path, environment: dict[str, str], overrides: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    """Run the README's lines up to gunicorn in bash; return its environment.

    `overrides` replaces the value of an exported variable right after the
    README's own export line (the database and Redis of this test).
    """
    *setup, serve = readme_deploy_lines()
    assert serve.startswith(".venv/bin/gunicorn "), serve
    script = ["set -euo pipefail"]
    for line in setup:
        script.append(line.replace("'CHANGE-ME'", shlex.quote(STAFF_PASSWORD)))
        name = _exported(line)
        if name in overrides:
            script.append(f"export {name}={shlex.quote(overrides[name])}")
    script.append("python3 -c 'import json, os; print(json.dumps(dict(os.environ)))'")
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=checkout,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    exported = json.loads(done.stdout.strip().splitlines()[-1])
    return exported, shlex.split(serve)


@pytest.mark.slow
def test_production_smoke_journey(tmp_path, redis_url):  # noqa: F811
    if postgres_bin_dir() is None:
        pytest.skip("no PostgreSQL binaries")
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server")
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    checkout = fresh_checkout(tmp_path / "marketplace")
    environment = offline_packages(checkout, tmp_path)
    with postgres_server() as database_url:
        overrides = {
            "DATABASE_URL": database_url,
            "RATELIMIT_STORAGE_URI": redis_url,
            "HUEY_STORAGE_URI": redis_url[: -len("/0")] + "/1",
        }
        production, serve = run_readme_setup(checkout, environment, overrides)
        assert production["PUBLIC_URL"] == f"https://{PUBLIC_HOST}"
        assert (
            checkout / "marketplace/translations/th/LC_MESSAGES/messages.mo"
        ).is_file()
        seeded = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": database_url})
        with seeded.app_context():
            opportunity = factories.make_opportunity(
                factories.make_organization(name="มูลนิธิทดสอบระบบ"),
                title="ปลูกป่าชายเลน",
                starts=utcnow() + timedelta(days=3),
            )
            shift_id = opportunity.shifts[0].id
            db.session.commit()
            db.engine.dispose()
        # The README's gunicorn line, on 2 workers and a free port.
        port = free_port()
        serve[serve.index("--workers") + 1] = "2"
        serve[serve.index("--bind") + 1] = f"127.0.0.1:{port}"
        log = tmp_path / "gunicorn.log"
        with log.open("w") as stderr:
            process = subprocess.Popen(
                serve, cwd=checkout, env=production, stderr=stderr
            )
            try:
                base = f"http://127.0.0.1:{port}"
                wait_for_http(base + "/healthz", seconds=60)
                _journey(base, shift_id)
            finally:
                process.terminate()
                process.wait(30)
    lines = [
        json.loads(line)
        for line in log.read_text().splitlines()
        if line.startswith("{")
    ]
    requests = [line for line in lines if line.get("logger") == "marketplace.request"]
    assert len(requests) >= 7
    assert {"method", "path", "status", "duration_ms", "request_id"} <= set(requests[0])
    assert "smoke@example.org" not in log.read_text()


def _journey(base: str, shift_id: int) -> None:
    status, body = _get(base + "/healthz")
    assert status == 200 and json.loads(body)["database"] == "ok"
    # Only PUBLIC_URL's host is served.
    assert _get(base + "/healthz", {"Host": "attacker.example"})[0] == 400
    status, page = _get(base + "/")
    assert status == 200 and '<html lang="th">' in page
    # Thai from the compiled catalogue, not the English msgids.
    assert "ข้ามไปยังเนื้อหา" in page and "เข้าสู่ระบบ" in page
    assert "Skip to content" not in page
    status, user = post_json(
        base + "/api/v1/users",
        {
            "email": "smoke@example.org",
            "password": "ทดสอบระบบก่อนเปิดงาน 2570",
            "display_name": "สมชาย ทดสอบ",
            "role": "volunteer",
            "consents": {"terms": True},
        },
        HOST,
    )
    assert status == 201, user
    status, token = post_json(
        base + "/api/v1/tokens",
        {"email": "smoke@example.org", "password": "ทดสอบระบบก่อนเปิดงาน 2570"},
        HOST,
    )
    assert status == 201, token
    headers = {"Authorization": f"Bearer {token['token']}", **HOST}
    status, body = _get(f"{base}/api/v1/opportunities?q={quote('ป่าชายเลน')}", headers)
    assert status == 200, body
    found = json.loads(body)
    assert [item["title"] for item in found["items"]] == ["ปลูกป่าชายเลน"]
    status, page = _get(f"{base}/opportunities?q={quote('ป่า')}")
    assert status == 200 and "ปลูกป่าชายเลน" in page
    status, applied = post_json(
        f"{base}/api/v1/shifts/{shift_id}/applications", {}, headers
    )
    assert status == 201, applied
    status, body = _get(base + "/api/v1/me/applications", headers)
    assert status == 200 and json.loads(body)["items"][0]["shift_id"] == shift_id
    # Production cookies are Secure and HSTS is on.
    request = urllib.request.Request(base + "/login", headers=HOST)
    with urllib.request.urlopen(request, timeout=30) as response:
        assert "Secure" in response.headers["Set-Cookie"]
        assert "Strict-Transport-Security" in response.headers
