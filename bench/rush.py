"""The booth rush: many people at once on PostgreSQL, two app servers and Redis.

`python -m bench.rush` (defaults: 200 people for 120 s; `--people 50 --seconds 30`
for a quick run). Seeds the expo demo in a throwaway PostgreSQL, starts Redis and
two gunicorn servers (2 sync workers each; rate limits off, the page cache and its
version in Redis) and lets each simulated person, one thread each, pick actions:

- 60 % browse: home, the opportunity list, an opportunity page, the API list;
- 15 % sign up and log in (API: POST /users, POST /tokens);
- 15 % apply to a shift and (half the time) withdraw again;
- 10 % My shifts (GET /me/applications).

Prints requests, errors (5xx and failed connections), p50/p95/p99 per kind, and
checks the database afterwards: no shift over capacity, spots_taken equal to the
applications holding a spot, every acknowledged application stored exactly once.
Writes bench/results/rush.json. Part of `make bench`, not of `make test`.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

from bench.http import load_average, seed
from tests.servers import free_port, gunicorn_server, postgres_server

RESULTS = Path(__file__).parent / "results"
PASSWORD = "ขอมือหน่อยนะคะ-บูธ-2570"  # noqa: S105  (throwaway benchmark accounts)


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway Redis on a free loopback port."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed")
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(  # noqa: S603  (the machine's redis-server)
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                with contextlib.suppress(OSError):
                    socket.create_connection(("127.0.0.1", port), 0.5).close()
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError("redis did not start")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(10)


class Person(threading.Thread):
    """One visitor at the booth, acting until the deadline."""

    def __init__(self, number: int, ports: list[int], catalogue: dict, run: dict):
        super().__init__(daemon=True)
        self.number, self.run_state = number, run
        self.random = random.Random(number)
        self.port = ports[number % len(ports)]
        self.catalogue = catalogue
        self.token: str | None = None
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, 30)
        self.accounts = 0

    def request(self, kind: str, method: str, path: str, body=None) -> tuple:
        headers = {"Accept-Language": "th"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.token and path.startswith("/api/v1/") and kind != "browse":
            headers["Authorization"] = f"Bearer {self.token}"
        start = time.perf_counter()
        try:
            payload = json.dumps(body).encode() if body is not None else None
            self.connection.request(method, path, payload, headers)
            response = self.connection.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, 30)
            status, data = 0, b""
        elapsed = (time.perf_counter() - start) * 1000
        self.run_state["record"](kind, status, elapsed)
        return status, data

    def sign_up(self) -> None:
        self.accounts += 1
        email = f"rush-{self.number}-{self.accounts}@example.org"
        user = {
            "email": email,
            "password": PASSWORD,
            "display_name": "ผู้มาเยือน บูธ",
            "role": "volunteer",
            "consents": {"terms": True, "matching": True},
        }
        self.request("signup", "POST", "/api/v1/users", user)
        status, data = self.request(
            "login", "POST", "/api/v1/tokens", {"email": email, "password": PASSWORD}
        )
        if status == 201:
            self.token = json.loads(data)["token"]

    def apply(self) -> None:
        if self.token is None:
            self.sign_up()
            return
        shift = self.random.choice(self.catalogue["shifts"])
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

    def browse(self) -> None:
        opportunity = self.random.choice(self.catalogue["opportunities"])
        path = self.random.choice(
            ["/", "/opportunities", f"/opportunities/{opportunity}"] * 2
            + ["/api/v1/opportunities"]
        )
        self.request("browse", "GET", path)

    def run(self) -> None:
        deadline = self.run_state["deadline"]
        while time.monotonic() < deadline:
            roll = self.random.random()
            if roll < 0.60:
                self.browse()
            elif roll < 0.75:
                self.sign_up()
            elif roll < 0.90:
                self.apply()
            elif self.token:
                self.request("my shifts", "GET", "/api/v1/me/applications")
            else:
                self.browse()
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
                "AND a.status IN ('accepted', 'approved'))"
            )
        )
        stored = 0
        for start in range(0, len(acked), 1000):
            chunk = acked[start : start + 1000]
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
    engine.dispose()
    return {
        "shifts_over_capacity": over,
        "shifts_spots_mismatch": mismatched,
        "acknowledged": len(acked),
        "acknowledged_stored": stored,
        "acknowledged_distinct": len(set(acked)),
        "doubled_pairs": doubled,
    }


def main(argv: list[str] | None = None) -> dict:
    """Run the rush and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120.0)
    args = parser.parse_args(argv)
    samples: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    lock = threading.Lock()

    def record(kind: str, status: int, elapsed: float) -> None:
        with lock:
            samples[kind].append(elapsed)
            statuses[kind][status] += 1

    with postgres_server() as url, redis_server() as redis:
        seed(url)
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT s.id, o.id FROM shift s "
                    "JOIN opportunity o ON o.id = s.opportunity_id "
                    "JOIN organization g ON g.id = o.organization_id "
                    "WHERE o.status = 'published' AND g.status = 'verified' "
                    "AND s.starts_at > now()"
                )
            ).all()
            shifts = [shift for shift, _ in rows]
            opportunities = sorted({opportunity for _, opportunity in rows})
        engine.dispose()
        catalogue = {"shifts": shifts, "opportunities": opportunities}
        env = {"RATELIMIT_ENABLED": "false", "RATELIMIT_STORAGE_URI": redis}
        with (
            gunicorn_server(url, 2, **env) as one,
            gunicorn_server(url, 2, **env) as two,
        ):
            ports = [urlsplit(one).port, urlsplit(two).port]
            run = {"record": record, "acked": [], "deadline": 0.0}
            load_before = load_average()
            run["deadline"] = time.monotonic() + args.seconds
            people = [Person(n, ports, catalogue, run) for n in range(args.people)]
            started = time.monotonic()
            for person in people:
                person.start()
            for person in people:
                person.join()
            elapsed = time.monotonic() - started
            load_after = load_average()
        checks = check_database(url, run["acked"])

    kinds = {}
    for kind, values in samples.items():
        errors = sum(
            n for status, n in statuses[kind].items() if status in (0,) or status >= 500
        )
        kinds[kind] = {
            "requests": len(values),
            "errors": errors,
            "statuses": dict(statuses[kind]),
            "p50_ms": _percentile(values, 0.5),
            "p95_ms": _percentile(values, 0.95),
            "p99_ms": _percentile(values, 0.99),
        }
    everything = [value for values in samples.values() for value in values]
    total_errors = sum(kind["errors"] for kind in kinds.values())
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "people": args.people,
        "seconds": round(elapsed, 1),
        "load_before": load_before,
        "load_after": load_after,
        "requests": len(everything),
        "rps": round(len(everything) / elapsed, 1),
        "errors": total_errors,
        "p50_ms": _percentile(everything, 0.5),
        "p95_ms": _percentile(everything, 0.95),
        "kinds": kinds,
        "database": checks,
    }
    print(
        f"\nBooth rush: {args.people} people for {elapsed:.0f} s on PostgreSQL, "
        "2 app servers x 2 workers, Redis"
    )
    print(f"load average before {load_before}, after {load_after}")
    print(
        f"{'kind':<10} {'requests':>9} {'errors':>7} {'p50':>8} {'p95':>8} {'p99':>8}"
    )
    for kind, row in sorted(kinds.items()):
        print(
            f"{kind:<10} {row['requests']:>9} {row['errors']:>7} {row['p50_ms']:>8} "
            f"{row['p95_ms']:>8} {row['p99_ms']:>8}  {row['statuses']}"
        )
    print(
        f"all: {len(everything)} requests ({result['rps']}/s), {total_errors} errors, "
        f"p95 {result['p95_ms']} ms (target 0 errors, p95 <= 300 ms)"
    )
    print(f"database: {checks}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "rush.json").write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
