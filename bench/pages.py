"""Page and API latency with the full expo demo loaded, in process.

Builds a fresh SQLite database through the migrations, loads the demo, then requests
each busy page many times (as the demo volunteer, organisation member and staff for
their pages) and reports SQL queries per request and latency percentiles.
"""

import json
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.config import DevelopmentConfig
from marketplace.extensions import db
from marketplace.models import Membership, Opportunity, User
from marketplace.seed.demo import (
    DEMO_PASSWORD,
    ORGANIZER_EMAIL,
    STAFF_EMAIL,
    VOLUNTEER_EMAIL,
)

RESULTS = Path(__file__).parent / "results"
REQUESTS = 200


def measure(client, path: str, engine) -> dict:
    """Time REQUESTS requests of one path and count its SQL statements."""
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    client.get(path)  # warm caches (templates, gazetteer)
    sa.event.listen(engine, "before_cursor_execute", count)
    response = client.get(path)
    sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, (path, response.status_code)
    timings = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "path": path,
        "queries": len(statements),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
    }


def busy_pages(opportunity: int, organization: int) -> dict[str | None, list[str]]:
    """The pages to measure, by the demo account that sees them (None: anyone)."""
    return {
        None: [
            "/",
            "/opportunities",
            "/opportunities?page=5",
            "/opportunities?q=เด็ก&where=ปทุมวัน&within_km=25",
            f"/opportunities/{opportunity}",
            f"/organizations/{organization}",
            "/register",
            "/api/v1/causes",
            "/api/v1/opportunities?near=13.7466,100.5393&within_km=25",
            "/api/v1/places?q=ปทุมวัน",
            "/impact",
            "/api/v1/impact/summary",
        ],
        VOLUNTEER_EMAIL: ["/me/shifts", "/me/profile", "/opportunities?near_me=y"],
        ORGANIZER_EMAIL: [
            f"/organizations/{organization}/dashboard",
            f"/manage/opportunities/{opportunity}/applicants",
            f"/organizations/{organization}/impact",
        ],
        STAFF_EMAIL: [
            "/staff/",
            "/staff/approvals",
            "/staff/organizations",
            "/staff/audit",
            "/staff/impact",
        ],
    }


def main() -> None:
    """Build the demo marketplace, measure, print the table and write JSON."""
    with tempfile.TemporaryDirectory() as folder:
        settings = {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
        app = create_app(DevelopmentConfig, settings)
        with app.app_context():
            upgrade()
            app.test_cli_runner().invoke(args=["seed-demo"], catch_exceptions=False)
            organization = db.session.scalar(
                sa.select(Membership.organization_id)
                .join(Membership.user)
                .where(User.email == ORGANIZER_EMAIL)
            )
            opportunity = db.session.scalar(
                sa.select(Opportunity.id)
                .where(Opportunity.organization_id == organization)
                .order_by(Opportunity.id)
            )
            engine = db.engine
        rows = []
        for email, paths in busy_pages(opportunity, organization).items():
            client = app.test_client()
            if email:
                login = {"email": email, "password": DEMO_PASSWORD}
                assert client.post("/login", data=login).status_code == 302, email
            rows += [
                measure(client, path, engine) | {"as": email or "anyone"}
                for path in paths
            ]
        with app.app_context():
            engine.dispose()
    print(
        f"\nBusy pages with the expo demo loaded ({REQUESTS} requests each, in process)"
    )
    print(f"{'path':<58} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for row in rows:
        print(
            f"{row['path']:<58} {row['queries']:>7} {row['p50_ms']:>8} "
            f"{row['p95_ms']:>8} {row['p99_ms']:>8}"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pages.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    print(f"\nwritten: {RESULTS / 'pages.json'}")


if __name__ == "__main__":
    main()
