"""No-shows: counted per volunteer over a year, and a documented factor in matching."""

import numpy as np
import pytest

from marketplace import matching
from marketplace.applications.reliability import (
    WINDOW,
    AttendanceRecord,
    attendance_record,
    attendance_records,
    reliabilities,
)
from marketplace.extensions import db
from marketplace.matching.scoring import (
    combine,
    reliability,
    reliability_factor,
)
from marketplace.matching.weights import RELIABILITY_PRIOR, RELIABILITY_WEIGHT
from marketplace.models import Application, Attendance, utcnow
from marketplace.recommendations import suggest
from tests import factories


def test_records_equal_direct_counts(app):
    organization = factories.make_organization()
    volunteer, other = factories.make_user(), factories.make_user()
    history = [(True, 3), (True, 40), (False, 10), (False, 100), (None, 6)]
    for attended, days_ago in history:
        factories.make_past_application(
            volunteer, organization, attended=attended, days_ago=days_ago
        )
    # More than a year ago: not counted.
    factories.make_past_application(
        volunteer, organization, attended=False, days_ago=400
    )
    factories.make_past_application(other, organization, attended=True)
    db.session.commit()
    now = utcnow()

    records = attendance_records([volunteer.id, other.id, 999_999], now)

    mine = [
        a
        for a in db.session.query(Application).filter_by(volunteer_id=volunteer.id)
        if a.shift.starts_at >= now - WINDOW
    ]
    assert records[volunteer.id] == AttendanceRecord(
        attended=sum(a.attendance is Attendance.ATTENDED for a in mine),
        no_show=sum(a.attendance is Attendance.NO_SHOW for a in mine),
    )
    assert records[volunteer.id] == AttendanceRecord(attended=2, no_show=2)
    assert records[other.id] == AttendanceRecord(attended=1, no_show=0)
    assert 999_999 not in records
    assert attendance_record(factories.make_user(), now) == AttendanceRecord()
    assert reliabilities([volunteer.id, 999_999], now) == {
        volunteer.id: pytest.approx((2 + RELIABILITY_PRIOR) / (4 + RELIABILITY_PRIOR)),
        999_999: 1.0,
    }


def test_the_formula_spares_newcomers_and_never_reaches_zero():
    assert reliability(0, 0) == 1.0  # no history: nothing lost
    assert reliability(5, 5) == 1.0
    assert reliability(0, 1) == pytest.approx(2 / 3)
    assert reliability_factor(1.0) == 1.0
    assert reliability_factor(0.0) == pytest.approx(1 - RELIABILITY_WEIGHT)
    # Missing every one of 100 shifts still keeps most of the score.
    assert reliability_factor(reliability(0, 100)) > 1 - RELIABILITY_WEIGHT
    parts = {name: np.array([1.0, 1.0]) for name in matching.WEIGHTS}
    assert list(combine(parts, np.array([1.0, 0.5]))) == pytest.approx(
        [1.0, 1 - RELIABILITY_WEIGHT * 0.5]
    )
    assert list(combine(parts)) == [1.0, 1.0]


@pytest.fixture
def two_alike(app):
    """Two volunteers with the same profile; `missed` skipped three of four shifts."""
    organization = factories.make_organization()
    # In the daytime: a shift crossing midnight fits no weekly window, and the
    # factories' default start (a week from now) crosses it in the evening.
    shift = factories.make_opportunity(
        organization, capacity=5, starts=factories.daytime(7)
    ).shifts[0]
    came = factories.make_matchable(factories.make_user(name="มาเสมอ"), organization)
    missed = factories.make_matchable(factories.make_user(name="ขาดบ่อย"), organization)
    past = factories.make_organization()
    factories.make_past_application(missed, past, attended=True, days_ago=30)
    for days_ago in (5, 12, 19):
        factories.make_past_application(missed, past, attended=False, days_ago=days_ago)
    db.session.commit()
    return shift, came, missed


def test_suggestions_rank_by_reliability_and_keep_everyone(two_alike):
    shift, came, missed = two_alike

    found = suggest(shift, utcnow(), limit=10)

    assert [s.volunteer.id for s in found] == [came.id, missed.id]
    expected = reliability_factor(reliability(1, 4))
    assert found[1].match.score == pytest.approx(found[0].match.score * expected)
    assert found[0].match.components == found[1].match.components


def test_the_proposal_index_scores_with_the_same_factor(two_alike):
    from marketplace.staff.proposals import _snapshot

    shift, came, missed = two_alike
    now = utcnow()
    volunteers, opportunities, shifts = _snapshot({}, now)
    by_id = {v.id: v for v in volunteers}
    assert by_id[came.id].reliability == 1.0
    assert by_id[missed.id].reliability == pytest.approx(reliability(1, 4))

    index = matching.MatchingIndex(volunteers, opportunities, shifts)
    ranked = index.suggest(shift.id, now, limit=10)
    assert [m.volunteer_id for m in ranked] == [came.id, missed.id]
    assert ranked[1].score == pytest.approx(
        ranked[0].score * reliability_factor(reliability(1, 4))
    )
    pairs = index.candidates(now)
    scores = dict(zip(pairs.volunteer_ids.tolist(), pairs.scores.tolist(), strict=True))
    assert scores[missed.id] == pytest.approx(ranked[1].score)
