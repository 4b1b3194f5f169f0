"""Structured logs: one JSON line per request and per message, no personal data."""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, request

REQUEST_ID_HEADER = "X-Request-ID"
# A request id from the proxy is kept only when it looks like one.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_MAX_PATH = 200
_ATTRIBUTES = ("method", "path", "status", "duration_ms", "request_id")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record's JSON line."""
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _ATTRIBUTES:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if "request_id" not in line and (request_id := _current_request_id()):
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def _current_request_id() -> str | None:
    try:
        return g.get("request_id")
    except RuntimeError:  # outside a request
        return None


def log_format(app: Flask) -> str:
    """ "json" in production (or when LOG_FORMAT says so), else "text"."""
    default = "json" if app.config.get("ENV_NAME") == "production" else "text"
    return str(app.config.get("LOG_FORMAT") or default).lower()


def init_logging(app: Flask) -> None:
    """Give every request an id; in JSON mode, log one line per request."""
    json_mode = log_format(app) == "json"
    if json_mode:
        _install_json_handler(app)

    @app.before_request
    def start_request_clock() -> None:
        g.request_started = time.perf_counter()
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def log_request(response: Response) -> Response:
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = request_id
        if json_mode:
            started = g.get("request_started", time.perf_counter())
            logging.getLogger("marketplace.request").info(
                "%s %s %s",
                request.method,
                _loggable_path(),
                response.status_code,
                extra={
                    "method": request.method,
                    "path": _loggable_path(),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "request_id": request_id,
                },
            )
        return response


def _loggable_path() -> str:
    """The route's pattern, so secrets in URLs (reset links, calendars) stay out."""
    rule = request.url_rule
    if rule is not None:
        return rule.rule
    return request.path[:_MAX_PATH]


def _install_json_handler(app: Flask) -> None:
    """Send the app's loggers to stderr as JSON lines (gunicorn collects stderr)."""
    logger = logging.getLogger(app.import_name)
    for handler in list(logger.handlers):
        if getattr(handler, "marketplace_json", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.marketplace_json = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
