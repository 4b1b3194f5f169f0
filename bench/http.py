"""The busy pages under gunicorn on loopback, driven by wrk, against the floor.

Builds the expo demo in a fresh SQLite database (migrations, then `flask seed-demo`),
serves it with gunicorn (2 sync workers, rate limits off) and drives each target
with wrk (2 threads, 16 connections) after a warm-up. Prints requests per second,
p99 and each ratio of issue 14 against its target, and writes
bench/results/http.json. `python -m bench.http --seconds 5` for a quicker run.

Targets: anonymous Thai pages >= 0.5 x /healthz and p99 <= 50 ms; the same pages
for the logged-in demo volunteer >= 0.25 x /healthz; the API list and the
recommendations >= 0.5 x /api/v1/causes and p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.config import DevelopmentConfig
from marketplace.extensions import db
from marketplace.models import Opportunity, Shift
from marketplace.seed.demo import DEMO_PASSWORD, VOLUNTEER_EMAIL
from tests.servers import gunicorn_server, post_json

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
THREADS = 2
CONNECTIONS = 16
P99_TARGET_MS = 50.0

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    """wrk's "1.23ms" / "850.00us" / "1.02s" in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(base: str, path: str, seconds: float, headers: dict[str, str]) -> dict:
    """Drive one path with wrk; requests per second, p50/p99 and non-2xx/3xx."""
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds:g}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(  # noqa: S603  (our own loopback server)
        [*command, base + path], check=True, capture_output=True, text=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return {
        "path": path,
        "rps": round(rps, 1),
        "p50_ms": round(p50, 2),
        "p99_ms": round(p99, 2),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def login_cookie(base: str) -> str:
    """Log the demo volunteer in through the form; the session cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrf_token": token, "email": VOLUNTEER_EMAIL, "password": DEMO_PASSWORD}
    ).encode()
    opener.open(base + "/login", data=form, timeout=30).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    check = urllib.request.Request(  # noqa: S310  (http on loopback)
        base + "/me/shifts", headers={"Cookie": cookie}
    )
    with urllib.request.urlopen(check, timeout=30) as response:  # noqa: S310
        assert response.status == 200 and "/login" not in response.url, response.url
    return cookie


def seed(url: str) -> int:
    """Migrate and seed the demo; the id of the opportunity with most shifts."""
    app = create_app(DevelopmentConfig, {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        app.test_cli_runner().invoke(args=["seed-demo"], catch_exceptions=False)
        busiest = db.session.scalar(
            sa.select(Opportunity.id)
            .join(Shift)
            .group_by(Opportunity.id)
            .order_by(sa.func.count(Shift.id).desc(), Opportunity.id)
            .limit(1)
        )
        db.session.remove()
    return busiest


def targets(busiest: int) -> list[tuple[str, str, str]]:
    """(label, path, who) in the order they are measured."""
    pages = [("home", "/"), ("browse", "/opportunities")]
    pages.append(("opportunity", f"/opportunities/{busiest}"))
    return [
        ("healthz", "/healthz", "anonymous"),
        ("causes", "/api/v1/causes", "anonymous"),
        *((label, path, "anonymous") for label, path in pages),
        ("api list", "/api/v1/opportunities", "anonymous"),
        ("recommendations", "/api/v1/me/recommendations", "bearer"),
        *((label, path, "session") for label, path in pages),
    ]


def ratios(rows: list[dict]) -> list[dict]:
    """Each row against its floor and target (issue 14)."""
    by = {(row["label"], row["who"]): row for row in rows}
    healthz = by[("healthz", "anonymous")]["rps"]
    causes = by[("causes", "anonymous")]["rps"]
    checks = []
    for row in rows:
        if row["label"] in ("healthz", "causes"):
            continue
        if row["who"] == "bearer" or row["path"].startswith("/api/"):
            floor, base, target, p99 = "causes", causes, 0.5, True
        elif row["who"] == "anonymous":
            floor, base, target, p99 = "healthz", healthz, 0.5, True
        else:
            floor, base, target, p99 = "healthz", healthz, 0.25, False
        ratio = row["rps"] / base if base else 0.0
        ok = ratio >= target and (not p99 or row["p99_ms"] <= P99_TARGET_MS)
        checks.append(
            {
                "label": f"{row['label']} ({row['who']})",
                "ratio": round(ratio, 3),
                "against": floor,
                "target": target,
                "p99_ms": row["p99_ms"],
                "p99_target_ms": P99_TARGET_MS if p99 else None,
                "ok": ok,
            }
        )
    return checks


def load_average() -> str:
    """The machine's load average (the benchmark shares its cores)."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def run(seconds: float, warmup: float, name: str) -> dict:
    """Serve the demo, measure every target, print the table; the JSON written."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install -y wrk)")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        busiest = seed(url)
        with gunicorn_server(url, 2, RATELIMIT_ENABLED="false") as base:
            status, body = post_json(
                base + "/api/v1/tokens",
                {"email": VOLUNTEER_EMAIL, "password": DEMO_PASSWORD},
            )
            assert status == 201, body
            who = {
                "anonymous": {"Accept-Language": "th"},
                "bearer": {"Authorization": f"Bearer {body['token']}"},
                "session": {"Cookie": login_cookie(base)},
            }
            plan = targets(busiest)
            for _, path, kind in plan:  # warm-up: templates, caches, connections
                wrk(base, path, warmup, who[kind])
            load_before = load_average()
            rows = []
            for label, path, kind in plan:
                row = wrk(base, path, seconds, who[kind])
                rows.append({"label": label, "who": kind, **row})
            load_after = load_average()
    checks = ratios(rows)
    print(
        f"\nHTTP under gunicorn (2 sync workers), wrk {THREADS} threads / "
        f"{CONNECTIONS} connections, {seconds:g} s each after {warmup:g} s warm-up"
    )
    print(f"load average before {load_before}, after {load_after}")
    print(
        f"{'target':<16} {'who':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'bad':>5}"
    )
    for row in rows:
        print(
            f"{row['label']:<16} {row['who']:<10} {row['rps']:>9} {row['p50_ms']:>8} "
            f"{row['p99_ms']:>8} {row['non_2xx']:>5}"
        )
    print(f"\n{'ratio':<30} {'value':>7} {'target':>12} {'p99 ms':>8}  ok")
    for check in checks:
        target = f">={check['target']} x {check['against']}"
        print(
            f"{check['label']:<30} {check['ratio']:>7} {target:>12} "
            f"{check['p99_ms']:>8}  {'yes' if check['ok'] else 'NO'}"
        )
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_before": load_before,
        "load_after": load_after,
        "seconds": seconds,
        "rows": rows,
        "ratios": checks,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2))
    return result


def main(argv: list[str] | None = None) -> None:
    """Command line: --seconds per target, --warmup, --name of the JSON file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--name", default="http")
    args = parser.parse_args(argv)
    run(args.seconds, args.warmup, args.name)


if __name__ == "__main__":
    main()
