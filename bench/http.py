"""The recommendations endpoint under gunicorn on loopback, against /api/v1/causes.

Builds the expo demo in a fresh SQLite database, serves it with gunicorn (2 workers,
rate limits off), and drives both endpoints with 8 keep-alive clients for a fixed
time each; prints requests per second and latency percentiles, writes JSON.
"""

import http.client
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from flask_migrate import upgrade

from marketplace import create_app
from marketplace.config import DevelopmentConfig
from marketplace.seed.demo import DEMO_PASSWORD, VOLUNTEER_EMAIL
from tests.servers import gunicorn_server, post_json

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CLIENTS = 8
SECONDS = 10.0


def drive(port: int, path: str, headers: dict[str, str]) -> dict:
    """Request `path` from CLIENTS threads for SECONDS; collect latencies."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + SECONDS

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - start) * 1000)
            failed += response.status != 200
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "path": path,
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / SECONDS, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2),
    }


def main() -> None:
    """Serve the demo with gunicorn and compare the two endpoints."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        app = create_app(DevelopmentConfig, {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            app.test_cli_runner().invoke(args=["seed-demo"], catch_exceptions=False)
        with gunicorn_server(url, 2, RATELIMIT_ENABLED="false") as base:
            port = urlsplit(base).port
            status, body = post_json(
                base + "/api/v1/tokens",
                {"email": VOLUNTEER_EMAIL, "password": DEMO_PASSWORD},
            )
            assert status == 201, body
            bearer = {"Authorization": f"Bearer {body['token']}"}
            rows = [
                drive(port, "/api/v1/causes", {}),
                drive(port, "/api/v1/me/recommendations?limit=20", bearer),
            ]
    ratio = rows[1]["rps"] / rows[0]["rps"]
    print(f"\nHTTP under gunicorn (2 workers, {CLIENTS} clients, {SECONDS:.0f} s each)")
    print(f"{'path':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for row in rows:
        print(
            f"{row['path']:<40} {row['rps']:>8} {row['p50_ms']:>8} {row['p99_ms']:>8} "
            f"{row['errors']:>7}"
        )
    print(f"recommendations / causes throughput: {ratio:.2f} (target >= 0.5)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "http.json").write_text(
        json.dumps({"rows": rows, "ratio": round(ratio, 3)}, indent=2)
    )


if __name__ == "__main__":
    main()
