"""The volunteer's profile: skills, causes, availability and place."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .taxonomy import Cause, Skill, volunteer_cause, volunteer_skill
from .types import UTCDateTime, utcnow
from .user import User


class VolunteerProfile(db.Model):
    """What a volunteer offers and where and when they can help."""

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    bio: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    lat: so.Mapped[float | None]
    lon: so.Mapped[float | None]
    location_label: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    province: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    max_distance_km: so.Mapped[int] = so.mapped_column(default=15)
    remote_ok: so.Mapped[bool] = so.mapped_column(default=False)
    languages: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    date_of_birth: so.Mapped[date | None]
    # Under 18: a parent or guardian consents before the volunteer may apply.
    guardian_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    guardian_contact: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    guardian_consent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Optional, typed by the volunteer for their service-hour record.
    student_id: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    user: so.Mapped[User] = so.relationship(back_populates="profile")
    skills: so.Mapped[list[Skill]] = so.relationship(secondary=volunteer_skill)
    causes: so.Mapped[list[Cause]] = so.relationship(secondary=volunteer_cause)
    availability: so.Mapped[list["AvailabilityWindow"]] = so.relationship(
        back_populates="profile",
        cascade="all, delete-orphan",
        order_by="(AvailabilityWindow.weekday, AvailabilityWindow.start_minute)",
    )

    __table_args__ = (
        sa.CheckConstraint(
            "max_distance_km >= 0 AND max_distance_km <= 2000", name="max_distance"
        ),
        sa.CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat"),
        sa.CheckConstraint("lon IS NULL OR (lon >= -180 AND lon <= 180)", name="lon"),
    )

    def __repr__(self) -> str:
        return f"<VolunteerProfile user={self.user_id}>"


class AvailabilityWindow(db.Model):
    """A weekly window in Asia/Bangkok time when the volunteer is free."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    profile_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("volunteer_profile.user_id", ondelete="CASCADE"), index=True
    )
    # 0 = Monday ... 6 = Sunday; minutes after local midnight.
    weekday: so.Mapped[int]
    start_minute: so.Mapped[int]
    end_minute: so.Mapped[int]

    profile: so.Mapped[VolunteerProfile] = so.relationship(
        back_populates="availability"
    )

    __table_args__ = (
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday"),
        sa.CheckConstraint(
            "start_minute >= 0 AND end_minute <= 1440 AND end_minute > start_minute",
            name="window",
        ),
    )

    def __repr__(self) -> str:
        return (
            f"<AvailabilityWindow {self.weekday} {self.start_minute}-{self.end_minute}>"
        )
