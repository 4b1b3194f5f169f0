"""Model-level guarantees: UTC times, and the database's own backstops."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    ConsentPurpose,
    Role,
    Shift,
)
from marketplace.privacy.consents import latest_decisions, record_consents
from tests import factories


def test_times_come_back_aware_in_utc(app):
    organization = factories.make_organization()
    bangkok = timezone(timedelta(hours=7))
    start = datetime(2027, 6, 9, 9, 0, tzinfo=bangkok)
    opportunity = factories.make_opportunity(organization, starts=start)
    db.session.commit()
    db.session.expire_all()
    shift = db.session.get(Shift, opportunity.shifts[0].id)
    assert shift.starts_at == start
    assert shift.starts_at.tzinfo is not None
    assert shift.starts_at.utcoffset() == timedelta(0)
    assert shift.starts_at.hour == 2


def test_naive_times_are_refused(app):
    organization = factories.make_organization()
    with pytest.raises(sa.exc.StatementError):
        factories.make_opportunity(organization, starts=datetime(2027, 6, 9, 9, 0))
    db.session.rollback()


def test_database_refuses_more_spots_than_capacity(app):
    organization = factories.make_organization()
    shift = factories.make_opportunity(organization, capacity=2).shifts[0]
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            sa.update(Shift).where(Shift.id == shift.id).values(spots_taken=3)
        )
    db.session.rollback()


def test_one_application_per_volunteer_and_shift(app):
    volunteer = factories.make_user()
    organization = factories.make_organization()
    shift = factories.make_opportunity(organization).shifts[0]
    status = ApplicationStatus.PENDING
    db.session.add(Application(shift=shift, volunteer=volunteer, status=status))
    db.session.commit()
    db.session.add(Application(shift=shift, volunteer=volunteer, status=status))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_shift_must_end_after_it_starts(app):
    organization = factories.make_organization()
    with pytest.raises(sa.exc.IntegrityError):
        factories.make_opportunity(organization, hours=0)
    db.session.rollback()


def test_consent_history_is_kept(app):
    user = factories.make_user(Role.VOLUNTEER)
    record_consents(user, {ConsentPurpose.MATCHING: True}, "v1")
    record_consents(user, {ConsentPurpose.MATCHING: False}, "v2")
    db.session.commit()
    assert latest_decisions(user) == {
        ConsentPurpose.TERMS: True,
        ConsentPurpose.MATCHING: False,
    }
    assert [c.notice_version for c in user.consents] == ["test", "v1", "v2"]
    assert all(
        c.recorded_at.tzinfo is UTC or c.recorded_at.utcoffset() == timedelta(0)
        for c in user.consents
    )
