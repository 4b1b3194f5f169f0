"""LINE Login (OpenID Connect v2.1) through authlib's Flask client.

The code flow with `state` and `nonce` (kept in the session by authlib); the ID
token is checked by authlib (signature, issuer, audience = the login channel's
id, nonce, expiry). LINE signs the ID tokens of web logins with HS256 and the
login channel's secret, so that secret is the one key given to authlib; the
endpoints come from the settings (LINE's discovery document names ES256 only,
the algorithm of its native apps' tokens).
"""

import base64
import logging
from typing import Any

import requests
from flask import current_app

log = logging.getLogger(__name__)

NAME = "line"
SCOPE = "openid profile"


class LoginFailed(Exception):
    """LINE Login did not finish: cancelled, forged, replayed or LINE failed."""


def _key_set(secret: str) -> dict[str, Any]:
    encoded = base64.urlsafe_b64encode(secret.encode()).rstrip(b"=").decode()
    return {"keys": [{"kty": "oct", "k": encoded, "alg": "HS256"}]}


def client():
    """The OpenID Connect client of the login channel (one per request)."""
    from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App

    config = current_app.config
    login_base = config["LINE_LOGIN_BASE_URL"].rstrip("/")
    api_base = config["LINE_API_BASE_URL"].rstrip("/")
    return FlaskOAuth2App(
        FlaskIntegration(NAME),
        name=NAME,
        client_id=config["LINE_LOGIN_CHANNEL_ID"],
        client_secret=config["LINE_LOGIN_CHANNEL_SECRET"],
        client_kwargs={
            "scope": SCOPE,
            "token_endpoint_auth_method": "client_secret_post",
            "default_timeout": config["LINE_TIMEOUT"],
        },
        # Server metadata (authlib reads these instead of a discovery document).
        issuer=config["LINE_LOGIN_ISSUER"],
        authorization_endpoint=f"{login_base}/oauth2/v2.1/authorize",
        token_endpoint=f"{api_base}/oauth2/v2.1/token",
        jwks=_key_set(config["LINE_LOGIN_CHANNEL_SECRET"]),
        id_token_signing_alg_values_supported=["HS256"],
    )


def authorize_redirect(redirect_uri: str, locale: str):
    """Send the browser to LINE's consent screen, offering the official account."""
    return client().authorize_redirect(
        redirect_uri,
        bot_prompt=current_app.config["LINE_BOT_PROMPT"],
        ui_locales="th-TH" if locale == "th" else "en-US",
    )


def finish() -> tuple[dict[str, Any], dict[str, Any]]:
    """The checked ID token's claims and the token, from LINE's redirect back.

    Raises LoginFailed on a cancelled login, a state or nonce that does not
    match, an ID token that does not verify, or LINE not answering.
    """
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError

    line = client()
    try:
        token = line.authorize_access_token()
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as error:
        log.info("LINE Login refused: %s", error)
        raise LoginFailed(str(error)) from error
    except requests.RequestException as error:
        log.warning("LINE Login: the token endpoint failed: %s", error)
        raise LoginFailed(str(error)) from error
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        raise LoginFailed("no ID token")
    return dict(claims), token


def is_friend(token: dict[str, Any], changed: bool) -> bool:
    """Whether the person has the official account as a friend now.

    Asked of LINE's friendship status API with the login's access token; when
    that fails, a friendship changed during the login (the bot prompt) counts.
    """
    api_base = current_app.config["LINE_API_BASE_URL"].rstrip("/")
    seconds = float(current_app.config["LINE_TIMEOUT"])
    try:
        answer = requests.get(
            f"{api_base}/friendship/v1/status",
            headers={"Authorization": f"Bearer {token['access_token']}"},
            timeout=seconds,
        )
        answer.raise_for_status()
        return bool(answer.json().get("friendFlag"))
    except (requests.RequestException, ValueError, KeyError) as error:
        log.warning("LINE friendship status failed: %s", error)
        return changed
