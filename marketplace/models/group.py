"""Groups (issue 15): a company, a club or a family volunteering together.

A leader shares a join code; members join with it. The leader reserves places on a
shift for the group: the reservation's unfilled places (`held`) are counted in the
shift's `spots_taken`, so nobody overbooks; a member who joins the reservation
moves one of those places into their own application (`GroupPlace`).
"""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .application import Application
from .opportunity import Shift
from .types import UTCDateTime, str_enum, utcnow
from .user import User


class GroupKind(enum.StrEnum):
    """What kind of group: the report and the page name it."""

    COMPANY = "company"
    CLUB = "club"  # a school or university club
    FAMILY = "family"
    OTHER = "other"


class Group(db.Model):
    """A group of volunteers with a leader and a join code.

    `closed_at`: the group was closed (its leader left the platform with nobody to
    hand it to); a closed group takes no members and no reservations.
    """

    __tablename__ = "volunteer_group"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    kind: so.Mapped[GroupKind] = so.mapped_column(str_enum(GroupKind, "group_kind"))
    leader_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # Random, from an alphabet without look-alike characters; the leader rotates it.
    join_code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    leader: so.Mapped[User | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<Group {self.id} {self.kind.value}>"


class GroupMember(db.Model):
    """One stretch of membership: from `joined_at` until `left_at` (None: still in).

    Rows of former members stay, so that the group's report counts what they did
    while they were members; erasure deletes them.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("volunteer_group.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    joined_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    left_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    group: so.Mapped[Group] = so.relationship()
    user: so.Mapped[User] = so.relationship()

    __table_args__ = (
        # One current membership per person and group (two joins at once: one row).
        sa.Index(
            "uq_group_member_current",
            "group_id",
            "user_id",
            unique=True,
            postgresql_where=sa.text("left_at IS NULL"),
            sqlite_where=sa.text("left_at IS NULL"),
        ),
    )

    def __repr__(self) -> str:
        return f"<GroupMember group={self.group_id} user={self.user_id}>"


class ReservationStatus(enum.StrEnum):
    """A reservation holds places until released (at the set time) or cancelled."""

    ACTIVE = "active"
    RELEASED = "released"
    CANCELLED = "cancelled"


class GroupReservation(db.Model):
    """Places on a shift held for a group, as one all-or-nothing hold.

    `places`: how many were reserved; `held`: how many are still unfilled (counted
    in the shift's `spots_taken`). Unfilled places go back to the shift at
    `release_at` (GROUP_RELEASE_HOURS before the shift) or when the leader cancels.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("volunteer_group.id", ondelete="CASCADE"), index=True
    )
    shift_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("shift.id", ondelete="CASCADE"), index=True
    )
    places: so.Mapped[int]
    held: so.Mapped[int]
    status: so.Mapped[ReservationStatus] = so.mapped_column(
        str_enum(ReservationStatus, "reservation_status"),
        default=ReservationStatus.ACTIVE,
        index=True,
    )
    release_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    ended_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    group: so.Mapped[Group] = so.relationship()
    shift: so.Mapped[Shift] = so.relationship()
    filled: so.Mapped[list["GroupPlace"]] = so.relationship(
        back_populates="reservation", order_by="GroupPlace.id"
    )

    __table_args__ = (
        sa.CheckConstraint("places > 0", name="places_positive"),
        sa.CheckConstraint("held >= 0 AND held <= places", name="held_within_places"),
    )

    def __repr__(self) -> str:
        return f"<GroupReservation {self.id} {self.held}/{self.places}>"


class GroupPlace(db.Model):
    """A reserved place a member filled: their application on the shift."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reservation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("group_reservation.id", ondelete="CASCADE"), index=True
    )
    application_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), unique=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    reservation: so.Mapped[GroupReservation] = so.relationship(back_populates="filled")
    application: so.Mapped[Application] = so.relationship()

    def __repr__(self) -> str:
        return f"<GroupPlace reservation={self.reservation_id}>"
