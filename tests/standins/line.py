"""A stand-in of LINE's documented endpoints, served on loopback in a thread.

What the marketplace uses of LINE, answered as LINE documents it:

- Messaging API: push, multicast and reply (recorded; a repeated
  X-Line-Retry-Key answers 409, as LINE does), a friend's profile;
- LINE Login (OpenID Connect v2.1): the authorize page (it "logs in" the LINE
  user named by `login_as` and redirects back with a code; with `bot_prompt` a
  user who is not a friend adds the official account), the token endpoint (an
  ID token signed HS256 with the login channel's secret, as for web logins), the
  friendship status, the discovery document and JWKS;
- `webhook()`: sends events to the app, signed with the channel secret.

Counts are kept on the stand-in's side (`pushes`, `replies`, `multicasts`), so
a test (or the scale-out test) can check what LINE would have received.
"""

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import OctKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

ISSUER = "https://access.line.me"
# LINE configured but pointing at a closed port: the pages show everything about
# LINE (the crawls walk them) and nothing can reach LINE.
OFFLINE_SETTINGS = {
    "LINE_CHANNEL_ID": "1",
    "LINE_CHANNEL_SECRET": "s" * 32,
    "LINE_CHANNEL_ACCESS_TOKEN": "offline",
    "LINE_LOGIN_CHANNEL_ID": "2",
    "LINE_LOGIN_CHANNEL_SECRET": "l" * 32,
    "LINE_API_BASE_URL": "http://127.0.0.1:9",
    "LINE_LOGIN_BASE_URL": "http://127.0.0.1:9",
}


@dataclass
class LineUser:
    """A person on LINE: their id, the name they show, friend of the account?"""

    user_id: str
    display_name: str
    is_friend: bool = False


def new_user_id() -> str:
    """A LINE user id: "U" and 32 hex digits."""
    return "U" + secrets.token_hex(16)


class LineStandIn:
    """LINE on 127.0.0.1; `settings()` is the app configuration that uses it."""

    def __init__(self) -> None:
        self.channel_id = "2000000001"
        self.channel_secret = secrets.token_hex(16)
        self.access_token = secrets.token_urlsafe(32)
        self.login_channel_id = "2000000002"
        self.login_channel_secret = secrets.token_hex(16)
        self.issuer = ISSUER
        self.users: dict[str, LineUser] = {}
        # The LINE user the authorize page logs in (None: the login is cancelled).
        self.login_as: str | None = None
        # Whether a user asked by bot_prompt adds the official account.
        self.accept_friend = True
        self.pushes: list[dict[str, Any]] = []
        self.multicasts: list[dict[str, Any]] = []
        self.replies: list[dict[str, Any]] = []
        self.retry_keys: set[str] = set()
        # Statuses the next pushes answer with instead of 200 (e.g. [500]).
        self.fail_pushes: list[int] = []
        self._codes: dict[str, dict[str, Any]] = {}
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()
        self._server = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # --- Life cycle ----------------------------------------------------------------

    def start(self) -> "LineStandIn":
        """Serve on a free loopback port."""
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._thread.join()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "LineStandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def settings(self) -> dict[str, Any]:
        """The app's LINE settings, pointing at this stand-in."""
        return {
            "LINE_CHANNEL_ID": self.channel_id,
            "LINE_CHANNEL_SECRET": self.channel_secret,
            "LINE_CHANNEL_ACCESS_TOKEN": self.access_token,
            "LINE_LOGIN_CHANNEL_ID": self.login_channel_id,
            "LINE_LOGIN_CHANNEL_SECRET": self.login_channel_secret,
            "LINE_API_BASE_URL": self.url,
            "LINE_LOGIN_BASE_URL": self.url,
            "LINE_LOGIN_ISSUER": self.issuer,
            "LINE_TIMEOUT": 5.0,
        }

    # --- People ----------------------------------------------------------------------

    def add_user(self, display_name: str, is_friend: bool = False) -> LineUser:
        """A person on LINE (not yet known to the marketplace)."""
        user = LineUser(new_user_id(), display_name, is_friend)
        with self._lock:
            self.users[user.user_id] = user
        return user

    def pushed_to(self, user_id: str) -> list[dict[str, Any]]:
        """The messages pushed (or multicast) to one LINE user, in order."""
        with self._lock:
            found = [
                m for p in self.pushes if p["to"] == user_id for m in p["messages"]
            ]
            found += [
                m for p in self.multicasts if user_id in p["to"] for m in p["messages"]
            ]
        return found

    # --- Webhooks --------------------------------------------------------------------

    def signature(self, body: str, secret: str | None = None) -> str:
        """X-Line-Signature of a body: base64 of its HMAC-SHA256 with the secret."""
        key = (secret or self.channel_secret).encode()
        digest = hmac.new(key, body.encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def webhook(self, client, events: list[dict], signature: str | None = "sign"):
        """POST events to the app's /line/webhook, signed as LINE signs them.

        `client` is a Flask test client or the app's base URL. signature="sign"
        signs the body; None sends no header; any other text is sent as is.
        """
        body = json.dumps({"destination": "U" + "0" * 32, "events": events})
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            headers["X-Line-Signature"] = self.signature(body)
        elif signature is not None:
            headers["X-Line-Signature"] = signature
        if isinstance(client, str):
            import requests

            return requests.post(
                f"{client}/line/webhook",
                data=body.encode(),
                headers=headers,
                timeout=10,
            )
        return client.post("/line/webhook", data=body, headers=headers, csrf=False)

    # --- The HTTP side ---------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        response = self._route(request)
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        path, method = request.path, request.method
        routes = {
            ("POST", "/v2/bot/message/push"): self._push,
            ("POST", "/v2/bot/message/multicast"): self._multicast,
            ("POST", "/v2/bot/message/reply"): self._reply,
            ("GET", "/oauth2/v2.1/authorize"): self._authorize,
            ("POST", "/oauth2/v2.1/token"): self._token,
            ("GET", "/friendship/v1/status"): self._friendship,
            ("GET", "/.well-known/openid-configuration"): self._discovery,
            ("GET", "/oauth2/v2.1/certs"): lambda r: _json({"keys": []}),
        }
        if method == "GET" and path.startswith("/v2/bot/profile/"):
            return self._profile(request, path.rsplit("/", 1)[1])
        handler = routes.get((method, path))
        if handler is None:
            return _json({"message": "Not found"}, 404)
        return handler(request)

    def _bot_authorized(self, request: Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.access_token}"

    def _push(self, request: Request) -> Response:
        if not self._bot_authorized(request):
            return _json({"message": "Authentication failed"}, 401)
        body = request.get_json()
        key = request.headers.get("X-Line-Retry-Key")
        with self._lock:
            if key and key in self.retry_keys:
                return _json({"message": "The retry key is already accepted"}, 409)
            if self.fail_pushes:
                return _json({"message": "Failed"}, self.fail_pushes.pop(0))
            person = self.users.get(body["to"])
            if person is not None and not person.is_friend:
                return _json({"message": "The user is not a friend (or blocked)"}, 403)
            if key:
                self.retry_keys.add(key)
            self.pushes.append(
                {"to": body["to"], "messages": body["messages"], "retry_key": key}
            )
        return _json({"sentMessages": [_sent() for _ in body["messages"]]})

    def _multicast(self, request: Request) -> Response:
        if not self._bot_authorized(request):
            return _json({"message": "Authentication failed"}, 401)
        body = request.get_json()
        key = request.headers.get("X-Line-Retry-Key")
        with self._lock:
            if key and key in self.retry_keys:
                return _json({"message": "The retry key is already accepted"}, 409)
            if key:
                self.retry_keys.add(key)
            self.multicasts.append({"to": body["to"], "messages": body["messages"]})
        return _json({})

    def _reply(self, request: Request) -> Response:
        if not self._bot_authorized(request):
            return _json({"message": "Authentication failed"}, 401)
        body = request.get_json()
        with self._lock:
            self.replies.append(
                {"reply_token": body["replyToken"], "messages": body["messages"]}
            )
        return _json({"sentMessages": [_sent() for _ in body["messages"]]})

    def _profile(self, request: Request, user_id: str) -> Response:
        if not self._bot_authorized(request):
            return _json({"message": "Authentication failed"}, 401)
        person = self.users.get(user_id)
        if person is None or not person.is_friend:
            return _json({"message": "Not found"}, 404)
        return _json(
            {
                "userId": person.user_id,
                "displayName": person.display_name,
                "language": "th",
            }
        )

    def _authorize(self, request: Request) -> Response:
        args = request.args
        redirect_uri = args.get("redirect_uri", "")
        if args.get("client_id") != self.login_channel_id or not redirect_uri:
            return Response("invalid client or redirect_uri", 400)
        back = {"state": args.get("state", "")}
        person = self.users.get(self.login_as or "")
        if person is None:
            back.update(error="access_denied", error_description="cancelled")
            return _redirect(redirect_uri, back)
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = {
                "user_id": person.user_id,
                "redirect_uri": redirect_uri,
                "nonce": args.get("nonce"),
            }
            if args.get("bot_prompt"):
                changed = self.accept_friend and not person.is_friend
                person.is_friend = person.is_friend or self.accept_friend
                back["friendship_status_changed"] = "true" if changed else "false"
        back["code"] = code
        return _redirect(redirect_uri, back)

    def _token(self, request: Request) -> Response:
        form = request.form
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant["redirect_uri"]
            or form.get("client_id") != self.login_channel_id
            or form.get("client_secret") != self.login_channel_secret
        ):
            return _json({"error": "invalid_grant"}, 400)
        person = self.users[grant["user_id"]]
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access_token] = person.user_id
        return _json(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 2592000,
                "refresh_token": secrets.token_urlsafe(16),
                "scope": "openid profile",
                "id_token": self.id_token(person, grant["nonce"]),
            }
        )

    def id_token(self, person: LineUser, nonce: str | None, **claims) -> str:
        """An ID token as LINE issues it for a web login (HS256, channel secret)."""
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "sub": person.user_id,
            "aud": self.login_channel_id,
            "exp": now + 3600,
            "iat": now,
            "amr": ["linesso"],
            "name": person.display_name,
            **({"nonce": nonce} if nonce else {}),
            **claims,
        }
        key = OctKey.import_key(self.login_channel_secret)
        return jwt.encode({"alg": "HS256", "typ": "JWT"}, payload, key)

    def _friendship(self, request: Request) -> Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user_id = self._tokens.get(token) if scheme == "Bearer" else None
        if user_id is None:
            return _json({"error": "invalid_token"}, 401)
        return _json({"friendFlag": self.users[user_id].is_friend})

    def _discovery(self, request: Request) -> Response:
        return _json(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.url}/oauth2/v2.1/authorize",
                "token_endpoint": f"{self.url}/oauth2/v2.1/token",
                "jwks_uri": f"{self.url}/oauth2/v2.1/certs",
                "response_types_supported": ["code"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["ES256"],
            }
        )


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status, content_type="application/json")


def _redirect(uri: str, params: dict[str, str]) -> Response:
    joiner = "&" if "?" in uri else "?"
    return Response("", 302, headers={"Location": f"{uri}{joiner}{urlencode(params)}"})


def _sent() -> dict[str, str]:
    return {"id": str(secrets.randbelow(10**18)), "quoteToken": secrets.token_hex(8)}


# --- Webhook events, as LINE sends them -----------------------------------------


def _event(kind: str, user_id: str, **fields) -> dict[str, Any]:
    return {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": "01" + secrets.token_hex(12).upper(),
        "deliveryContext": {"isRedelivery": False},
        **fields,
    }


def follow(user_id: str) -> dict[str, Any]:
    """The person added the official account (or unblocked it)."""
    return _event(
        "follow",
        user_id,
        replyToken=secrets.token_hex(16),
        follow={"isUnblocked": False},
    )


def unfollow(user_id: str) -> dict[str, Any]:
    """The person blocked the official account."""
    return _event("unfollow", user_id)


def postback(user_id: str, data: str) -> dict[str, Any]:
    """The person tapped a postback button carrying `data`."""
    return _event(
        "postback", user_id, replyToken=secrets.token_hex(16), postback={"data": data}
    )


def text(user_id: str, message: str) -> dict[str, Any]:
    """The person wrote a text message to the official account."""
    return _event(
        "message",
        user_id,
        replyToken=secrets.token_hex(16),
        message={
            "type": "text",
            "id": str(secrets.randbelow(10**17)),
            "quoteToken": secrets.token_hex(8),
            "text": message,
        },
    )


def redelivered(event: dict[str, Any]) -> dict[str, Any]:
    """The same event delivered again (same webhookEventId)."""
    return {**event, "deliveryContext": {"isRedelivery": True}}
