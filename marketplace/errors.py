"""Domain errors, and the one place that maps errors to HTTP answers."""

import contextlib
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from .extensions import db


class DomainError(Exception):
    """A refused operation; services raise it, views and the API translate it."""

    status = 409
    code = "conflict"

    def __init__(
        self, message: str | None = None, fields: dict[str, list[str]] | None = None
    ):
        super().__init__(message or self.default_message())
        self.fields = fields or {}

    def default_message(self) -> str:
        """Return the message used when none is given."""
        return str(_l("The request conflicts with the current state."))

    def with_code(self, code: str) -> "DomainError":
        """The same error under a specific API error code."""
        self.code = code
        return self

    @property
    def message(self) -> str:
        """The human text of the error."""
        return str(self.args[0])


class ValidationFailed(DomainError):
    """Input was understood but is not acceptable; `fields` says which."""

    status = 422
    code = "validation_error"

    def default_message(self) -> str:
        """Return the message used when none is given."""
        return str(_l("Some fields are not valid."))


class Conflict(DomainError):
    """The request conflicts with the current state (duplicate, full, status)."""

    def __init__(self, code: str, message: str | None = None):
        super().__init__(message)
        self.code = code


class Forbidden(DomainError):
    """The caller may not do this."""

    status = 403
    code = "forbidden"

    def __init__(self, code: str = "forbidden", message: str | None = None):
        super().__init__(message or str(_l("You are not allowed to do this.")))
        self.code = code


class NotFound(DomainError):
    """The thing asked for does not exist, or the caller may not know it does."""

    status = 404
    code = "not_found"

    def default_message(self) -> str:
        """Return the message used when none is given."""
        return str(_l("We could not find that."))


class ItemFailed(DomainError):
    """One item of a bulk action was refused, so none of the action is kept.

    It keeps the item's status and code, and its message names the item; it is
    never a refusal of the whole request, so pages explain it.
    """

    def __init__(self, item: str, error: DomainError):
        problem = error.message
        if error.fields and problem == error.default_message():
            problem = " ".join(m for found in error.fields.values() for m in found)
        message = str(_l("%(item)s: %(problem)s", item=item, problem=problem))
        super().__init__(message, error.fields)
        self.status, self.code, self.item_error = error.status, error.code, error


def is_refusal(error: DomainError) -> bool:
    """Whether an error refuses access (404, or 403 forbidden / not_a_member).

    Pages answer refusals with the error page and its status; other domain errors
    (a full shift, a pending organisation) are explained where the user acted.
    """
    if isinstance(error, NotFound):
        return True
    return isinstance(error, Forbidden) and error.code in ("forbidden", "not_a_member")


# Generic API error codes by status (API.md "Conventions").
GENERIC_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "service_unavailable",
}

# While the database is unreachable: how long clients should wait before retrying.
UNAVAILABLE_RETRY_SECONDS = 5
# Errors that mean "cannot reach the database now" (refused, dropped, timed out),
# answered 503 instead of 500: the app recovers by itself when it is back.
UNAVAILABLE_ERRORS = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,
)
_UNAVAILABLE_TITLE = _l("The service is busy or under maintenance")
_UNAVAILABLE_HINT = _l(
    "We cannot reach our database for a moment. Nothing you sent was saved "
    "unless you saw it confirmed. Please try again in a few seconds."
)


def wants_json() -> bool:
    """Whether the error should be answered in the API's JSON format."""
    return request.path == "/api" or request.path.startswith("/api/")


def error_response(
    status: int,
    code: str | None = None,
    message: str | None = None,
    fields: dict[str, list[str]] | None = None,
    headers: Any = None,
) -> Response:
    """Build the API.md error body: {"error": {"code", "message", "fields"?}}."""
    body: dict[str, Any] = {
        "code": code or GENERIC_CODES.get(status, "error"),
        "message": message or "",
    }
    if fields:
        body["fields"] = fields
    response = jsonify(error=body)
    response.status_code = status
    if headers:
        response.headers.update(headers)
    return response


def _validation_fields(error: HTTPException) -> dict[str, list[str]]:
    """Flatten webargs' {location: {field: [messages]}} into {field: [messages]}."""
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    fields: dict[str, list[str]] = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            for field, problems in location_messages.items():
                fields[str(field)] = _flatten(problems)
        else:
            fields.setdefault("_schema", []).extend(_flatten(location_messages))
    return fields


def _flatten(problems: Any) -> list[str]:
    """Turn nested marshmallow messages into a flat list of strings."""
    if isinstance(problems, dict):
        return [text for value in problems.values() for text in _flatten(value)]
    if isinstance(problems, list | tuple):
        return [text for value in problems for text in _flatten(value)]
    return [str(problems)]


_PAGE_TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Please log in"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("That action is not allowed here"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}
_PAGE_HINTS = {
    400: _l("Please go back, reload the page and try again."),
    403: _l("If you think you should have access, log in with the right account."),
    404: _l("The page may have moved. Try the home page or search opportunities."),
    429: _l("Please wait a few minutes before trying again."),
    500: _l("We have been told about it. Please try again in a moment."),
}


def _page(status: int, message: str | None = None) -> tuple[str, int]:
    """Render the bilingual error page for a status."""
    title = _PAGE_TITLES.get(status, _PAGE_TITLES[400])
    hint = message or _PAGE_HINTS.get(status, _PAGE_HINTS[400])
    return render_template(
        "errors/error.html", status=status, title=title, hint=hint
    ), status


def init_error_handlers(app: Flask) -> None:
    """Register the handlers; every error goes through here."""

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        if wants_json():
            return error_response(error.status, error.code, error.message, error.fields)
        if isinstance(error, NotFound):
            return _page(404)  # the page's own hint says where to go next
        return _page(error.status, error.message)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        message = str(_l("The form expired or was sent from elsewhere. Please retry."))
        if wants_json():
            return error_response(400, "csrf_failed", message)
        return _page(400, message)

    @app.errorhandler(SecurityError)
    def handle_untrusted_host(error: SecurityError):
        # A Host that is not PUBLIC_URL's (production's TRUSTED_HOSTS): no URL can
        # be built for this request, so no page template; plain text or JSON.
        message = str(_l("This site is not served at this address."))
        if wants_json():
            return error_response(400, None, message)
        return Response(message, 400, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        db.session.rollback()  # every refused request ends its transaction here
        status = error.code or 500
        if wants_json():
            fields = _validation_fields(error) if status in (400, 422) else {}
            message = (
                error.description
                if status != 429
                else str(_l("Too many attempts. Please wait and try again."))
            )
            return error_response(
                status, None, message, fields, headers=_error_headers(error)
            )
        response = _page(status)
        return response[0], status, _error_headers(error)

    def handle_database_unavailable(error: Exception):
        app.logger.warning(
            "Database unavailable on %s %s: %s", request.method, request.path, error
        )
        with contextlib.suppress(Exception):
            db.session.rollback()
        # Whoever it is could not be loaded: later hooks (security headers, the
        # template) must not try again and fail a second time.
        if "_login_user" not in g:
            g._login_user = app.login_manager.anonymous_user()
        headers = {
            "Retry-After": str(UNAVAILABLE_RETRY_SECONDS),
            "Cache-Control": "no-store",
        }
        if wants_json():
            message = str(_UNAVAILABLE_HINT)
            return error_response(503, None, message, headers=headers)
        texts = []
        for lang in ("th", "en"):
            with force_locale(lang):
                texts.append(
                    {
                        "lang": lang,
                        "title": str(_UNAVAILABLE_TITLE),
                        "hint": str(_UNAVAILABLE_HINT),
                    }
                )
        page = render_template("errors/unavailable.html", texts=texts)
        return page, 503, headers

    for error_class in UNAVAILABLE_ERRORS:
        app.register_error_handler(error_class, handle_database_unavailable)

    # Registered after Flask-SQLAlchemy's own teardown, so it runs first.
    @app.teardown_appcontext
    def end_session_even_if_the_database_went_away(error):
        """End the request's session; a connection the database cut is dropped.

        When PostgreSQL stops mid-request, the closing rollback cannot reach it
        and would turn a finished answer (often the 503 above) into gunicorn's
        bare 500. Nothing is lost: an uncommitted transaction ends with its
        connection.
        """
        try:
            db.session.remove()
        except UNAVAILABLE_ERRORS as lost:
            app.logger.warning(
                "Database connection lost at the end of a request: %s", lost
            )
            db.session.registry().invalidate()  # close without a rollback
            db.session.registry.clear()

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if wants_json():
            return error_response(500, "server_error", InternalServerError.description)
        return _page(500)


def _error_headers(error: HTTPException) -> dict[str, str]:
    """Keep the headers an error must carry (Allow, Retry-After, WWW-Authenticate)."""
    keep = {"allow", "retry-after", "www-authenticate"}
    return {
        name: value
        for name, value in error.get_response().headers.items()
        if name.lower() in keep
    }
