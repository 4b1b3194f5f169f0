"""Rate limits on the login and token endpoints, shared by web and API."""

from flask import current_app, g, request

from ..extensions import limiter


def _login_email() -> str:
    """Key failed logins by the e-mail tried, from a form or a JSON body."""
    email = request.form.get("email")
    if email is None:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    return str(email or "").strip().lower()


def mark_login_failed() -> None:
    """Count this request against the e-mail's failure limit."""
    g.login_failed = True


# Ten failures for one e-mail in fifteen minutes, whether tried on the web form
# or through POST /api/v1/tokens; successful logins do not count.
login_failure_limit = limiter.shared_limit(
    lambda: current_app.config["LOGIN_FAILURE_LIMIT"],
    scope="login-failures",
    key_func=_login_email,
    methods=["POST"],
    deduct_when=lambda response: bool(g.get("login_failed")),
)

# A generous per-address ceiling against floods from one client.
login_address_limit = limiter.shared_limit(
    lambda: current_app.config["LOGIN_ADDRESS_LIMIT"],
    scope="login-address",
    methods=["POST"],
)
