"""The in-app channel: the Notification row itself (the bell). Always there."""

from flask_babel import lazy_gettext as _l

from ..models import Delivery, User
from .base import Message


class InAppChannel:
    """The notifications page: every message is there, whatever else happens."""

    name = "inapp"
    label = _l("In the app")

    def enabled(self) -> bool:
        """Always on."""
        return True

    def reaches(self, user: User) -> bool:
        """Everyone with an account."""
        return True

    def send(self, delivery: Delivery, message: Message) -> None:
        """Nothing to send: notify() already wrote the Notification row."""
