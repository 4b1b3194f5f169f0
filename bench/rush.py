"""The booth rush: many people at once on PostgreSQL, two app servers and Redis.

`python -m bench.rush` (defaults: 200 people for 120 s, then the same rush with
faults; `--people 50 --seconds 30` for a quick run, `--no-faults` for the plain
rush only). Seeds the expo demo in a throwaway PostgreSQL, starts Redis, two
gunicorn servers (2 sync workers each; rate limits off; the page cache, its
version and the job queue in Redis) behind nginx as docs/deploy.md sets it up,
and lets each simulated person, one thread each, act and then read for 1–5 s
(uniformly; people read a page before the next tap; `--think 3 10` for a calmer
pace):

- 60 % browse: home, the opportunity list, an opportunity page, the API list;
- 15 % sign up and log in (API: POST /users then POST /tokens; later, log in again);
- 15 % apply to a shift and (half the time) withdraw again;
- 10 % My shifts (GET /me/applications) or, for the volunteers who registered
  before the expo and hold a place on today's booth shift, check in on the web
  (log in through the form once, open the QR code's page, press "Check in").

The rush with faults stops PostgreSQL for 5 s at a third of the run, takes a
`flask backup` at half and SIGKILLs one app server (master and workers) at two
thirds. It prints what the requests got during the outage (503s, never 500s or
hangs), how soon after PostgreSQL returned requests succeeded again, what the
kill cost, and restores the backup into a new database to check it.

Each run prints requests, errors (5xx and failed connections), p50/p95/p99 per
kind, and checks the database afterwards: no shift over capacity, spots_taken
equal to the applications holding a spot, every acknowledged application stored
exactly once. Writes bench/results/rush.json. Part of `make bench`, not of
`make test`; needs nginx and redis-server (Debian: apt-get install -y nginx-light
redis-server).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa

from bench.http import load_average, seed
from tests.servers import (
    ROOT,
    create_database,
    free_port,
    gunicorn_server,
    postgres_server,
    redis_server,
    start_postgres,
    stop_postgres,
    wait_for_port,
)

RESULTS = Path(__file__).parent / "results"
PASSWORD = "ขอมือหน่อยนะคะ-บูธ-2570"  # noqa: S105  (throwaway benchmark accounts)
SECRET_KEY = "tests-only-secret"  # noqa: S105  (gunicorn_server's, for check-in codes)
THINK_SECONDS = (1.0, 5.0)
REGULARS = 0.2  # the share of people who hold a place on today's booth shift
# Sync workers per app server: 3 measured worse on 2 cores (p95 537 ms, not 296).
WORKERS = 2
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextlib.contextmanager
def nginx_balancer(ports: list[int]) -> Iterator[int]:
    """nginx on a free port in front of the app servers, as docs/deploy.md has it.

    A server that refuses connections (killed) is passed over for the next one,
    which nginx does for every request it could not send.
    """
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise SystemExit("nginx is not installed (Debian: apt-get install -y nginx)")
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="rush-nginx-"))
    folder.chmod(0o777)  # nginx's workers run as an unprivileged user under root
    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in ports
    )
    temp = " ".join(
        f"{name}_temp_path {folder}/{name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"""worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    {temp}
    upstream marketplace {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://marketplace;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""
    )
    process = subprocess.Popen(  # noqa: S603  (the machine's nginx)
        [binary, "-p", str(folder), "-c", str(folder / "nginx.conf")]
        + ["-g", "daemon off;"],
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, "nginx")
        yield port
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def kill_server(pidfile: Path) -> None:
    """SIGKILL a gunicorn server: its master and every worker, at once."""
    master = int(pidfile.read_text())
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    for pid in [master, *map(int, children)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def booth_regulars(url: str, count: int) -> list[dict]:
    """Volunteers who registered before the expo, each approved on today's booth shift.

    The shift started an hour ago (check-in is open) and has room for all of them.
    Returns each one's e-mail and the path of the shift's QR code.
    """
    from itsdangerous import URLSafeSerializer

    from marketplace import create_app
    from marketplace.config import DevelopmentConfig
    from marketplace.extensions import db
    from marketplace.models import Application, ApplicationStatus, Role, utcnow
    from tests import factories

    app = create_app(
        DevelopmentConfig, {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY}
    )
    with app.app_context():
        now = utcnow()
        organizer = factories.make_user(Role.ORGANIZER, email="booth-lead@example.org")
        organization = factories.make_organization(members=[organizer])
        opportunity = factories.make_opportunity(
            organization,
            title="ประจำบูธงานมหกรรม วันนี้",
            starts=now - timedelta(hours=1),
            capacity=count + 10,
        )
        shift = opportunity.shifts[0]
        people = []
        for number in range(count):
            email = f"regular-{number}@example.org"
            person = factories.make_user(email=email, password=PASSWORD)
            db.session.add(
                Application(
                    volunteer=person, shift=shift, status=ApplicationStatus.APPROVED
                )
            )
            people.append(email)
        shift.spots_taken = count
        db.session.commit()
        token = URLSafeSerializer(SECRET_KEY, salt="shift-check-in").dumps(shift.id)
        path = f"/check-in/{shift.id}/{token}"
        db.session.remove()
        db.engine.dispose()
    return [{"email": email, "check_in": path} for email in people]


class Person(threading.Thread):
    """One visitor at the booth, acting and reading until the deadline."""

    def __init__(self, number: int, port: int, plan: dict, run: dict):
        super().__init__(daemon=True)
        self.number, self.port, self.plan, self.run_state = number, port, plan, run
        self.random = random.Random(number)
        self.connection = http.client.HTTPConnection("127.0.0.1", port, 30)
        regulars = plan["regulars"]
        self.regular = regulars[number] if number < len(regulars) else None
        self.email = self.regular["email"] if self.regular else None
        self.token: str | None = None
        self.cookies: dict[str, str] = {}
        self.signed_in_web = False

    def request(
        self, kind: str, method: str, path: str, body=None, form=None, api=True
    ) -> tuple[int, bytes]:
        headers = {"Accept-Language": "th"}
        payload = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            payload = json.dumps(body).encode()
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            payload = urlencode(form).encode()
        if api and self.token and kind != "browse":
            headers["Authorization"] = f"Bearer {self.token}"
        # Pages are the phone's browser (its cookies); the API is an app (none).
        web = not path.startswith("/api/")
        if web and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        try:
            self.connection.request(method, path, payload, headers)
            response = self.connection.getresponse()
            data = response.read()
            status = response.status
            for header, value in response.getheaders():
                if web and header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, 30)
            status, data = 0, b""
        self.run_state["record"](kind, status, started, time.monotonic())
        return status, data

    def log_in(self) -> None:
        status, data = self.request(
            "login",
            "POST",
            "/api/v1/tokens",
            {"email": self.email, "password": PASSWORD},
        )
        if status == 201:
            self.token = json.loads(data)["token"]

    def account(self) -> None:
        """Sign up (the first time), then log in."""
        if self.email is None:
            email = f"rush-{self.run_state['name']}-{self.number}@example.org"
            user = {
                "email": email,
                "password": PASSWORD,
                "display_name": "ผู้มาเยือน บูธ",
                "role": "volunteer",
                "consents": {"terms": True, "matching": True},
            }
            status, _ = self.request("signup", "POST", "/api/v1/users", user)
            if status != 201:
                return
            self.email = email
        self.log_in()

    def apply(self) -> None:
        if self.token is None:
            self.account()
            return
        shift = self.random.choice(self.plan["shifts"])
        status, data = self.request(
            "apply", "POST", f"/api/v1/shifts/{shift}/applications", {}
        )
        if status == 201:
            application = json.loads(data)["id"]
            self.run_state["acked"].append(application)
            if self.random.random() < 0.5:
                self.request(
                    "withdraw", "POST", f"/api/v1/applications/{application}/withdraw"
                )

    def check_in(self) -> None:
        """The booth shift's QR code: log in on the web once, then check in."""
        if not self.signed_in_web:
            status, page = self.request("check-in", "GET", "/login", api=False)
            found = _CSRF.search(page.decode(errors="replace"))
            if status != 200 or found is None:
                return
            form = {"csrf_token": found.group(1), "email": self.email}
            status, _ = self.request(
                "check-in",
                "POST",
                "/login",
                form={**form, "password": PASSWORD},
                api=False,
            )
            self.signed_in_web = status in (302, 303)
            return
        path = self.regular["check_in"]
        status, page = self.request("check-in", "GET", path, api=False)
        found = _CSRF.search(page.decode(errors="replace"))
        if status == 200 and found is not None:
            self.request(
                "check-in",
                "POST",
                path,
                form={"csrf_token": found.group(1)},
                api=False,
            )

    def browse(self) -> None:
        opportunity = self.random.choice(self.plan["opportunities"])
        path = self.random.choice(
            ["/", "/opportunities", f"/opportunities/{opportunity}"] * 2
            + ["/api/v1/opportunities"]
        )
        self.request("browse", "GET", path)

    def run(self) -> None:
        deadline = self.run_state["deadline"]
        # People arrive over the first seconds, not all in the same millisecond.
        time.sleep(self.random.uniform(0, self.run_state["think"][1]))
        while time.monotonic() < deadline:
            roll = self.random.random()
            if roll < 0.60:
                self.browse()
            elif roll < 0.75:
                self.account()
            elif roll < 0.90:
                self.apply()
            elif self.regular:
                self.check_in()
            elif self.token:
                self.request("my shifts", "GET", "/api/v1/me/applications")
            else:
                self.browse()
            time.sleep(self.random.uniform(*self.run_state["think"]))
        self.connection.close()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[max(int(len(ordered) * share) - 1, 0)], 1) if ordered else 0.0


def check_database(url: str, acked: list[int]) -> dict:
    """Capacity invariant and acknowledged applications, straight from SQL."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        over = connection.scalar(
            sa.text("SELECT count(*) FROM shift WHERE spots_taken > capacity")
        )
        mismatched = connection.scalar(
            sa.text(
                "SELECT count(*) FROM shift s WHERE s.spots_taken <> ("
                "SELECT count(*) FROM application a WHERE a.shift_id = s.id "
                "AND a.status IN ('accepted', 'approved')) + ("
                "SELECT coalesce(sum(r.held), 0) FROM group_reservation r "
                "WHERE r.shift_id = s.id AND r.status = 'active')"
            )
        )
        stored, distinct = 0, sorted(set(acked))
        for start in range(0, len(distinct), 1000):
            chunk = distinct[start : start + 1000]
            stored += connection.scalar(
                sa.text("SELECT count(*) FROM application WHERE id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)
                ),
                {"ids": chunk},
            )
        doubled = connection.scalar(
            sa.text(
                "SELECT count(*) FROM (SELECT volunteer_id, shift_id FROM application "
                "GROUP BY volunteer_id, shift_id HAVING count(*) > 1) AS twice"
            )
        )
        checked_in = connection.scalar(
            sa.text("SELECT count(*) FROM application WHERE checked_in_at IS NOT NULL")
        )
        applications = connection.scalar(sa.text("SELECT count(*) FROM application"))
    engine.dispose()
    return {
        "shifts_over_capacity": over,
        "shifts_spots_mismatch": mismatched,
        # Applying again after a withdrawal reopens the same application (API.md),
        # so one id may be acknowledged more than once.
        "acknowledged": len(acked),
        "acknowledged_distinct": len(set(acked)),
        "acknowledged_stored": stored,
        "doubled_pairs": doubled,
        "checked_in": checked_in,
        "applications": applications,
    }


def flask(url: str, *args: str) -> subprocess.CompletedProcess:
    """Run a `flask` command of the app against the database at `url`."""
    environment = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY}
    return subprocess.run(  # noqa: S603  (our own command line)
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


class Faults(threading.Thread):
    """PostgreSQL down for 5 s, a backup, one app server killed, on a schedule."""

    def __init__(self, url: str, pidfile: Path, seconds: float, folder: Path):
        super().__init__(daemon=True)
        self.url, self.pidfile, self.folder = url, pidfile, folder
        self.at = {
            "outage": seconds / 3,
            "backup": seconds / 2,
            "kill": seconds * 2 / 3,
        }
        self.times: dict[str, float] = {}
        self.backup_file: Path | None = None
        self.failures: list[str] = []

    def run(self) -> None:
        started = time.monotonic()
        for what in ("outage", "backup", "kill"):
            time.sleep(max(0.0, started + self.at[what] - time.monotonic()))
            try:
                getattr(self, what)()
            except Exception as error:  # reported with the results
                self.failures.append(f"{what}: {error!r}")

    def outage(self) -> None:
        self.times["db_stopping"] = time.monotonic()
        stop_postgres(self.url)
        self.times["db_down"] = time.monotonic()
        time.sleep(5)
        start_postgres(self.url)
        self.times["db_up"] = time.monotonic()

    def backup(self) -> None:
        self.backup_file = self.folder / "rush.dump"
        self.times["backup_start"] = time.monotonic()
        done = flask(self.url, "backup", str(self.backup_file))
        if done.returncode:
            raise RuntimeError(done.stderr.strip().splitlines()[-1])
        self.times["backup_done"] = time.monotonic()

    def kill(self) -> None:
        self.times["kill"] = time.monotonic()
        kill_server(self.pidfile)


def _summary(samples: list[tuple], since: float = 0.0) -> dict:
    """Requests, errors and percentiles of (kind, status, start, end) samples."""
    kinds: dict[str, dict] = {}
    by_kind: dict[str, list[tuple]] = defaultdict(list)
    for sample in samples:
        by_kind[sample[0]].append(sample)
    for kind, rows in sorted(by_kind.items()):
        statuses: dict[int, int] = defaultdict(int)
        for row in rows:
            statuses[row[1]] += 1
        times = [(end - start) * 1000 for _, _, start, end in rows]
        kinds[kind] = {
            "requests": len(rows),
            "errors": sum(n for s, n in statuses.items() if s == 0 or s >= 500),
            "statuses": dict(sorted(statuses.items())),
            "p50_ms": _percentile(times, 0.5),
            "p95_ms": _percentile(times, 0.95),
            "p99_ms": _percentile(times, 0.99),
        }
    times = [(end - start) * 1000 for _, _, start, end in samples]
    return {
        "requests": len(samples),
        "errors": sum(kind["errors"] for kind in kinds.values()),
        "p50_ms": _percentile(times, 0.5),
        "p95_ms": _percentile(times, 0.95),
        "p99_ms": _percentile(times, 0.99),
        "max_ms": round(max(times), 1) if times else 0.0,
        "kinds": kinds,
    }


# Requests that need the database (pages and the API list may come from the cache).
_NEEDS_DATABASE = ("signup", "login", "apply", "withdraw", "my shifts", "check-in")


def fault_report(samples: list[tuple], times: dict[str, float]) -> dict:
    """What the requests got while PostgreSQL was down and after, and at the kill."""
    down, up, kill = times["db_stopping"], times["db_up"], times["kill"]
    during = [s for s in samples if s[2] < up and s[3] > down]
    database = [s for s in samples if s[0] in _NEEDS_DATABASE]
    after = sorted((s for s in database if s[2] >= up), key=lambda s: s[3])
    first_ok = next((s for s in after if 0 < s[1] < 500), None)
    late = [  # from 5 s after the database returned until the kill (not at it)
        s
        for s in after
        if up + 5 <= s[2] and s[3] < kill and (s[1] == 0 or s[1] >= 500)
    ]
    statuses: dict[int, int] = defaultdict(int)
    for sample in during:
        statuses[sample[1]] += 1
    at_kill = [s for s in samples if s[2] <= kill + 2 and s[3] >= kill]
    kill_errors = Counter(s[1] for s in at_kill if s[1] == 0 or s[1] >= 500)
    after_kill = [s for s in samples if s[2] > kill + 2 and (s[1] == 0 or s[1] >= 500)]
    return {
        "outage_seconds": round(up - down, 1),
        "during_outage": {
            "requests": len(during),
            "statuses": dict(sorted(statuses.items())),
            "answered_500": statuses.get(500, 0),
            "max_ms": round(max(((e - s) * 1000 for _, _, s, e in during)), 1)
            if during
            else 0.0,
        },
        "first_database_success_after_up_s": round(first_ok[3] - up, 2)
        if first_ok
        else None,
        "database_errors_from_5s_after_up_to_kill": len(late),
        "kill": {
            "requests_in_flight_or_next_2s": len(at_kill),
            "errors": sum(kill_errors.values()),
            "statuses": dict(sorted(kill_errors.items())),
            "errors_later": len(after_kill),
        },
    }


def check_restored(server_url: str, backup: Path) -> dict:
    """Restore the mid-rush backup into a new database; its invariants."""
    restored = create_database(server_url, "restored")
    done = flask(restored, "restore", str(backup), "--yes")
    if done.returncode:
        return {"failed": done.stderr.strip().splitlines()[-1]}
    engine = sa.create_engine(restored)
    with engine.connect() as connection:
        applications = connection.scalar(sa.text("SELECT count(*) FROM application"))
    engine.dispose()
    checks = check_database(restored, [])
    return {
        "applications": applications,
        "shifts_over_capacity": checks["shifts_over_capacity"],
        "shifts_spots_mismatch": checks["shifts_spots_mismatch"],
        "doubled_pairs": checks["doubled_pairs"],
    }


def rush(
    url: str,
    redis: str,
    people: int,
    seconds: float,
    regulars: list[dict],
    faults: bool,
    think: tuple[float, float] = THINK_SECONDS,
) -> dict:
    """One rush against fresh servers; its figures (the database is shared)."""
    name = "faults" if faults else "plain"
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT s.id, o.id FROM shift s "
                "JOIN opportunity o ON o.id = s.opportunity_id "
                "JOIN organization g ON g.id = o.organization_id "
                "WHERE o.status = 'published' AND g.status = 'verified' "
                "AND s.starts_at > now() "
                # The driver answers no questions: a required one is a 422.
                "AND NOT EXISTS (SELECT 1 FROM question q "
                "WHERE q.opportunity_id = o.id AND q.required)"
            )
        ).all()
    engine.dispose()
    plan = {
        "shifts": [shift for shift, _ in rows],
        "opportunities": sorted({opportunity for _, opportunity in rows}),
        "regulars": regulars,
    }
    samples: list[tuple] = []
    lock = threading.Lock()

    def record(kind: str, status: int, start: float, end: float) -> None:
        with lock:
            samples.append((kind, status, start, end))

    env = {
        "RATELIMIT_ENABLED": "false",
        "RATELIMIT_STORAGE_URI": f"{redis}/0",
        "HUEY_STORAGE_URI": f"{redis}/1",
    }
    with tempfile.TemporaryDirectory() as folder:
        pidfile = Path(folder) / "one.pid"
        logs = [Path(folder) / "one.log", Path(folder) / "two.log"]
        with (
            logs[0].open("w") as log_one,
            logs[1].open("w") as log_two,
            gunicorn_server(url, WORKERS, log_one, pidfile=pidfile, **env) as one,
            gunicorn_server(url, WORKERS, log_two, **env) as two,
            nginx_balancer([urlsplit(one).port, urlsplit(two).port]) as port,
        ):
            run = {"record": record, "acked": [], "name": name, "think": think}
            load_before = load_average()
            run["deadline"] = time.monotonic() + seconds
            crowd = [Person(n, port, plan, run) for n in range(people)]
            fault = Faults(url, pidfile, seconds, Path(folder)) if faults else None
            started = time.monotonic()
            for person in crowd:
                person.start()
            if fault:
                fault.start()
            for person in crowd:
                person.join()
            elapsed = time.monotonic() - started
            load_after = load_average()
            if fault:
                fault.join()
        unhandled = []  # around each error with a traceback in the servers' logs
        for log in logs:
            text = log.read_text(errors="replace")
            for found in re.finditer("Unhandled error|Error handling request", text):
                unhandled.append(
                    text[max(0, found.start() - 300) : found.start() + 4000]
                )
        result = {
            "unhandled_errors": unhandled[:3],
            "run": name,
            "people": people,
            "seconds": round(elapsed, 1),
            "think_seconds": think,
            "load_before": load_before,
            "load_after": load_after,
            "rps": round(len(samples) / elapsed, 1),
            **_summary(samples),
            "database": check_database(url, run["acked"]),
        }
        if fault:
            result["fault_failures"] = fault.failures
            result["faults"] = fault_report(samples, fault.times)
            if "backup_done" in fault.times:
                result["faults"]["backup_seconds"] = round(
                    fault.times["backup_done"] - fault.times["backup_start"], 1
                )
                server = url.rsplit("/", 1)[0] + "/postgres"
                result["faults"]["restored"] = check_restored(server, fault.backup_file)
    return result


def show(result: dict) -> None:
    """Print one rush's figures."""
    print(
        f"\nBooth rush ({result['run']}): {result['people']} people for "
        f"{result['seconds']:.0f} s, reading {result['think_seconds'][0]:g}–"
        f"{result['think_seconds'][1]:g} s between taps; PostgreSQL, nginx, "
        f"2 app servers x {WORKERS} workers, Redis"
    )
    print(f"load average before {result['load_before']}, after {result['load_after']}")
    print(
        f"{'kind':<10} {'requests':>9} {'errors':>7} {'p50':>8} {'p95':>8} {'p99':>8}"
    )
    for kind, row in result["kinds"].items():
        print(
            f"{kind:<10} {row['requests']:>9} {row['errors']:>7} {row['p50_ms']:>8} "
            f"{row['p95_ms']:>8} {row['p99_ms']:>8}  {row['statuses']}"
        )
    print(
        f"all: {result['requests']} requests ({result['rps']}/s), "
        f"{result['errors']} errors, p95 {result['p95_ms']} ms, max "
        f"{result['max_ms']} ms (target without faults: 0 errors, p95 <= 300 ms)"
    )
    print(f"database: {result['database']}")
    for block in result["unhandled_errors"]:
        print(f"an unhandled error in a server's log:\n{block}")
    if "faults" in result:
        faults = result["faults"]
        print(f"faults: {json.dumps(faults, ensure_ascii=False)}")
        if result["fault_failures"]:
            print(f"fault steps that failed: {result['fault_failures']}")


def main(argv: list[str] | None = None) -> dict:
    """Run the plain rush, then the rush with faults, and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=THINK_SECONDS,
        metavar=("MIN", "MAX"),
        help="seconds each person reads between taps (uniform; default 1 5)",
    )
    args = parser.parse_args(argv)
    results = []
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed")
    with (
        tempfile.TemporaryDirectory() as folder,
        postgres_server() as url,
        redis_server(Path(folder)) as redis_db,
    ):
        redis = redis_db.removesuffix("/0")
        seed(url)
        # Each run has its own regulars, none of them logged in or checked in yet.
        count = int(args.people * REGULARS)
        regulars = booth_regulars(url, count * 2)
        for run, faults in enumerate((False,) if args.no_faults else (False, True)):
            mine = regulars[run * count : (run + 1) * count]
            think = tuple(args.think)
            result = rush(url, redis, args.people, args.seconds, mine, faults, think)
            show(result)
            results.append(result)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "rush.json").write_text(json.dumps(results, indent=2))
    return {"runs": results}


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
