"""Absolute links, built from the PUBLIC_URL setting and never from the request.

A link that leaves the page (an e-mail, a QR code, a calendar feed, a certificate)
must not take the request's Host header, which a client chooses: a password-reset
e-mail asked for with `Host: attacker.example` would otherwise carry a valid token to
the attacker's site. `public_url` needs only an application context, so queue jobs
and commands build the same links as requests.
"""

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app


def check_public_url(value: str | None) -> str | None:
    """Return PUBLIC_URL without a trailing slash, or fail naming the setting.

    It must be an http(s) address with a host, and no query or fragment; a path
    (e.g. `https://example.org/expo`) is kept as the prefix of every link.
    """
    if value is None or not value.strip():
        return None
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise RuntimeError(
            f"PUBLIC_URL={value!r} is not an http(s) address with a host, "
            "e.g. https://expo.example.org (see README, Configuration)."
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise RuntimeError(
            f"PUBLIC_URL={value!r} must have no query, fragment or credentials."
        )
    return value


def public_host(app: Flask) -> str:
    """The host name of PUBLIC_URL (no port), the one production answers to."""
    return urlsplit(app.config["PUBLIC_URL"]).hostname or ""


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of a full endpoint name (e.g. "auth.reset_password").

    Built like `url_for` (URL defaults of the app apply, extra values become the
    query string) but always on PUBLIC_URL's scheme, host and path.
    """
    app = current_app
    base = urlsplit(app.config["PUBLIC_URL"])
    adapter = app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)
