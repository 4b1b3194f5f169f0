"""LINE: LINE Login (sign up, log in, link), webhooks and pushes (issue 13).

LINE is on only when its settings are given (docs/line.md): the Messaging API
(pushes, replies, webhooks) needs the channel's secret and access token, LINE
Login needs the login channel's id and secret. Without them nothing about LINE is
shown and nothing else changes; production refuses a half-done configuration.
"""

from collections.abc import Mapping
from typing import Any

from flask import current_app

# Every setting a LINE set-up needs; production wants all of them or none.
REQUIRED = (
    "LINE_CHANNEL_ID",
    "LINE_CHANNEL_SECRET",
    "LINE_CHANNEL_ACCESS_TOKEN",
    "LINE_LOGIN_CHANNEL_ID",
    "LINE_LOGIN_CHANNEL_SECRET",
)


def messaging_enabled(config: Mapping[str, Any] | None = None) -> bool:
    """Whether pushes and replies can be sent (a channel access token is set)."""
    config = current_app.config if config is None else config
    return bool(config.get("LINE_CHANNEL_ACCESS_TOKEN"))


def webhook_enabled(config: Mapping[str, Any] | None = None) -> bool:
    """Whether webhooks can be checked (the Messaging API channel secret is set)."""
    config = current_app.config if config is None else config
    return bool(config.get("LINE_CHANNEL_SECRET"))


def login_enabled(config: Mapping[str, Any] | None = None) -> bool:
    """Whether "Log in with LINE" is offered (the login channel is set up)."""
    config = current_app.config if config is None else config
    return bool(
        config.get("LINE_LOGIN_CHANNEL_ID") and config.get("LINE_LOGIN_CHANNEL_SECRET")
    )


def missing_settings(config: Mapping[str, Any]) -> list[str]:
    """The LINE settings left out when some are given (none given: LINE is off)."""
    given = [name for name in REQUIRED if config.get(name)]
    if not given:
        return []
    return [name for name in REQUIRED if not config.get(name)]


def check_line_settings(config: Mapping[str, Any]) -> None:
    """Refuse a half-configured LINE (production), naming what is missing."""
    if missing := missing_settings(config):
        raise RuntimeError(
            f"LINE is half configured: {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing. Set every LINE_* "
            "channel setting, or none to leave LINE off (see docs/line.md)."
        )
    if config.get("LINE_BOT_PROMPT") not in ("aggressive", "normal"):
        raise RuntimeError('LINE_BOT_PROMPT must be "aggressive" or "normal".')
