"""Rate limits on logins, sign-ups, password resets, applications and messages
(web and API)."""

from flask import Flask, current_app, g, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from ..extensions import limiter
from .services import email_key

# The session key of a login whose password was right but whose code is due.
PENDING_LOGIN = "pending_login"


def _login_email() -> str:
    """Key a per-e-mail limit by the address tried, normalised as login does it.

    From a form or a JSON body; x@ｅxample.org and X@EXAMPLE.ORG share the key
    of x@example.org, so another spelling never gets a fresh counter.
    """
    email = request.form.get("email")
    if email is None:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    return email_key(str(email or ""))


def _failure_limit(setting: str, scope: str, key_func, flag: str):
    """A POST limit that counts only the requests a view marked as failed."""
    return limiter.shared_limit(
        lambda: current_app.config[setting],
        scope=scope,
        key_func=key_func,
        methods=["POST"],
        deduct_when=lambda response: bool(g.get(flag)),
    )


def mark_login_failed() -> None:
    """Count this request against the e-mail's failure limit."""
    g.login_failed = True


# Ten failures for one e-mail in fifteen minutes, whether tried on the web form
# or through POST /api/v1/tokens; successful logins do not count.
login_failure_limit = _failure_limit(
    "LOGIN_FAILURE_LIMIT", "login-failures", _login_email, "login_failed"
)

# A generous per-address ceiling against floods from one client.
login_address_limit = limiter.shared_limit(
    lambda: current_app.config["LOGIN_ADDRESS_LIMIT"],
    scope="login-address",
    methods=["POST"],
)


# Sign-ups per client address, on the web form and POST /api/v1/users alike.
registration_limit = limiter.shared_limit(
    lambda: current_app.config["REGISTRATION_LIMIT"],
    scope="registration",
    methods=["POST"],
)

# "Forgot password" requests per client address, and per e-mail address asked
# about, so that nobody can flood one inbox from many addresses.
password_reset_limit = limiter.shared_limit(
    lambda: current_app.config["PASSWORD_RESET_ADDRESS_LIMIT"],
    scope="password-reset",
    methods=["POST"],
)
password_reset_email_limit = limiter.shared_limit(
    lambda: current_app.config["PASSWORD_RESET_LIMIT"],
    scope="password-reset-email",
    key_func=_login_email,
    methods=["POST"],
)


def _applicant() -> str:
    """Key applications by the account applying (bearer token or session)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"address:{get_remote_address()}"


# Applications per volunteer, on the web and through the API alike.
application_limit = limiter.shared_limit(
    lambda: current_app.config["APPLICATION_LIMIT"],
    scope="applications",
    key_func=_applicant,
    methods=["POST"],
)

# Per client address the ceiling is wider: at the expo many volunteers apply from
# the venue's Wi-Fi, behind one address.
application_address_limit = limiter.shared_limit(
    lambda: current_app.config["APPLICATION_ADDRESS_LIMIT"],
    scope="applications-address",
    methods=["POST"],
)


def mark_message_sent() -> None:
    """Count this request against the author's message limit (it sent one)."""
    g.shift_message_sent = True


# Messages to shifts and opportunities per author, on the web and through the API
# alike; only what was sent counts (a refused or invalid message does not).
shift_message_limit = limiter.shared_limit(
    lambda: current_app.config["SHIFT_MESSAGE_LIMIT"],
    scope="shift-messages",
    key_func=_applicant,
    methods=["POST"],
    deduct_when=lambda response: bool(g.get("shift_message_sent")),
)


def _pending_login() -> str:
    """Key second-factor failures by the account whose password was right."""
    pending = session.get(PENDING_LOGIN)
    user_id = pending.get("user") if isinstance(pending, dict) else None
    return f"user:{user_id}"


def mark_second_factor_failed() -> None:
    """Count this request against the account's second-factor failure limit."""
    g.second_factor_failed = True


# Wrong second-factor codes per account (the password was already right).
second_factor_limit = _failure_limit(
    "MFA_FAILURE_LIMIT",
    "second-factor-failures",
    _pending_login,
    "second_factor_failed",
)


def _inviting_organization() -> str:
    """Key member invitations by the organisation in the URL."""
    return f"organization:{(request.view_args or {}).get('organization_id')}"


# Member invitations per organisation, on the web and through the API alike:
# every attempt of its admins counts, misses too, so that nobody can probe which
# e-mails have accounts; refusals of outsiders (401, 403) do not, so that they
# cannot use up the organisation's allowance.
member_invite_limit = limiter.shared_limit(
    lambda: current_app.config["MEMBER_INVITE_LIMIT"],
    scope="member-invites",
    key_func=_inviting_organization,
    methods=["POST"],
    deduct_when=lambda response: response.status_code not in (401, 403),
)


def trust_proxy_headers(app: Flask) -> None:
    """Read the client address and scheme from the trusted reverse proxies.

    TRUSTED_PROXIES is how many proxies (nginx, a load balancer) stand in front
    of gunicorn; 0 (the default) ignores X-Forwarded-* entirely, since a client
    could forge them. Rate limits key on the address this yields.
    """
    hops = app.config["TRUSTED_PROXIES"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
