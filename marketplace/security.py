"""Security headers on every response (OWASP ASVS V14)."""

from functools import cache
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_login import current_user

from .config import OSM_TILE_URL


def tile_source(tile_url: str) -> str:
    """The CSP source of a tile URL template: its scheme and host.

    A subdomain placeholder ({s}.tiles.example.org) becomes a wildcard
    (*.tiles.example.org).
    """
    parts = urlsplit(tile_url.replace("{s}", "__s__"))
    host = parts.netloc.replace("__s__", "*")
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"MAP_TILE_URL is not a web address: {tile_url!r}")
    return f"{parts.scheme}://{host}"


@cache
def content_security_policy(tile_url: str = OSM_TILE_URL, login_at: str = "") -> str:
    """The CSP: scripts and styles only from our own origin (nothing inline).

    Map tiles are the one outside resource, loaded by the visitor's browser from
    the configured tile server (MAP_TILE_URL). `login_at`: the origin of LINE
    Login, where the "Log in with LINE" form's answer redirects (form-action
    covers redirects after a form is sent).
    """
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: {tile_source(tile_url)}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            f"form-action 'self' {login_at}".strip(),
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()
HSTS = "max-age=31536000; includeSubDomains"
# No page uses these browser features (QR codes are scanned with the phone's own
# camera app, the map never asks for the visitor's position): deny them to the
# pages and to anything embedded in them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


def _line_login_origin(app: Flask) -> str:
    """LINE Login's origin when it is configured, else nothing."""
    from .line import login_enabled

    if not login_enabled(app.config):
        return ""
    return tile_source(app.config["LINE_LOGIN_BASE_URL"])


def init_security_headers(app: Flask) -> None:
    """Add the headers after every request."""

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            content_security_policy(
                app.config.get("MAP_TILE_URL") or OSM_TILE_URL, _line_login_origin(app)
            ),
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if app.config.get("ENV_NAME") == "production":
            headers.setdefault("Strict-Transport-Security", HSTS)
        personal = current_user.is_authenticated or "Authorization" in request.headers
        if personal and not request.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"
        return response
