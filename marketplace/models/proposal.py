"""Marketplace-wide matching proposals that staff run and review."""

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .types import UTCDateTime, str_enum, utcnow


class RunStatus(enum.StrEnum):
    """Where a proposal run is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ProposalRun(db.Model):
    """One run of the marketplace-wide proposal, its progress and its result."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    status: so.Mapped[RunStatus] = so.mapped_column(
        str_enum(RunStatus, "run_status"), default=RunStatus.QUEUED
    )
    # Filters: causes, organization ids, first and last day (ISO).
    filters: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    progress: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    summary: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    rows: so.Mapped[list[dict[str, Any]]] = so.mapped_column(sa.JSON, default=list)
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<ProposalRun {self.id} {self.status.value}>"
