"""What every channel is: a name, whom it reaches, and how it sends one message."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..models import Delivery, User


class ChannelUnavailable(Exception):
    """The channel cannot reach this person now: try the next channel at once.

    No address, the monthly quota used up, the person blocked the bot, an address
    the mail server refuses for good.
    """


class ChannelFailed(Exception):
    """A temporary failure (server down, timeout): retry later, with backoff."""


@dataclass(frozen=True)
class Message:
    """One notification, rendered in its reader's language for every channel.

    `key` is the delivery's idempotency key; `actions` are the one-tap answers as
    (label, code); `answer_links` the same answers as signed absolute links (for
    channels without buttons, such as e-mail).
    """

    key: str
    name: str
    text: str
    subject: str
    link: str
    next_step: str
    actions: list[tuple[str, str]] = field(default_factory=list)
    answer_links: list[tuple[str, str]] = field(default_factory=list)
    # Where the person changes how they are reached.
    settings: str = ""


class Channel(Protocol):
    """A way to reach a person. A new one (SMS) is one module and one registry line.

    `enabled()` says whether the channel is configured at all (a cheap check);
    `reaches(user)` whether it can reach this person; `send` sends or raises
    ChannelUnavailable / ChannelFailed.
    """

    name: str
    label: str

    def enabled(self) -> bool:
        """Whether the channel is configured on this installation."""
        ...

    def reaches(self, user: "User") -> bool:
        """Whether the channel can reach this person now."""
        ...

    def send(self, delivery: "Delivery", message: Message) -> None:
        """Send the message; raise ChannelUnavailable or ChannelFailed."""
        ...
