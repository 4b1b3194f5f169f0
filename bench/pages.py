"""Page and API latency with the full expo demo loaded, in process.

Builds a fresh SQLite database through the migrations, loads the demo, then requests
each busy page many times and reports SQL queries per request and latency percentiles.
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
from marketplace.models import Opportunity, Organization, OrganizationStatus

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


def main() -> None:
    """Build the demo marketplace and print the table."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        app = create_app(
            DevelopmentConfig,
            {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False},
        )
        with app.app_context():
            upgrade()
            runner = app.test_cli_runner()
            runner.invoke(args=["seed-demo"], catch_exceptions=False)
            opportunity = db.session.scalar(
                sa.select(Opportunity.id).order_by(Opportunity.id).limit(1)
            )
            organization = db.session.scalar(
                sa.select(Organization.id)
                .where(Organization.status == OrganizationStatus.VERIFIED)
                .limit(1)
            )
            engine = db.engine
        client = app.test_client()
        paths = [
            "/",
            "/opportunities",
            "/opportunities?page=5",
            f"/opportunities/{opportunity}",
            f"/organizations/{organization}",
            "/register",
            "/api/v1/causes",
            "/api/v1/skills?per_page=100",
            "/api/v1/places?q=ปทุมวัน",
        ]
        rows = [measure(client, path, engine) for path in paths]
        with app.app_context():
            engine.dispose()
    print(f"\nPages with the expo demo loaded ({REQUESTS} requests each, in process)")
    print(f"{'path':<32} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for row in rows:
        print(
            f"{row['path']:<32} {row['queries']:>7} {row['p50_ms']:>8} "
            f"{row['p95_ms']:>8} {row['p99_ms']:>8}"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pages.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    print(f"\nwritten: {RESULTS / 'pages.json'}")


if __name__ == "__main__":
    main()
