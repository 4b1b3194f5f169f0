""" "Are you coming?": asked once, answered by one tap, unconfirmed places released."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace import actions
from marketplace.applications.confirmations import (
    ANSWER_TIME,
    ASKED,
    CANT_COME,
    CONFIRMED,
    NO_ANSWER,
    ask_for_confirmations,
    check_release_hours,
    confirmation_state,
    release_unconfirmed,
)
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    Notification,
    Role,
    Shift,
    utcnow,
)
from tests import factories


@pytest.fixture(autouse=True)
def in_a_request(app):
    """Answers return a sentence in the request's language (LINE, the web)."""
    with app.test_request_context():
        yield


def place(
    shift: Shift,
    status: ApplicationStatus = ApplicationStatus.APPROVED,
    *,
    minutes_ago: int = 60,
) -> Application:
    """A new volunteer's application in the given state (a held one takes a spot)."""
    application = Application(
        shift=shift,
        volunteer=factories.make_user(Role.VOLUNTEER),
        status=status,
        status_changed_at=utcnow() - timedelta(minutes=minutes_ago),
    )
    if status.holds_spot:
        shift.spots_taken += 1
    db.session.add(application)
    db.session.flush()
    return application


def shift_in(hours: float, capacity: int = 10, member=None) -> Shift:
    """A published one-shift opportunity starting `hours` from now."""
    organization = factories.make_organization(members=[member] if member else [])
    starts = utcnow().replace(microsecond=0) + timedelta(hours=hours)
    return factories.make_opportunity(
        organization, starts=starts, capacity=capacity
    ).shifts[0]


def kinds(user_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.kind)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id)
        )
    )


def test_approved_places_are_asked_once(app):
    now = utcnow()
    soon = place(shift_in(20))
    later = place(shift_in(30))
    started = place(shift_in(-1))
    db.session.commit()

    assert ask_for_confirmations(now) == 1
    db.session.commit()
    # A second run (and a later one) asks nobody again.
    assert ask_for_confirmations(now + timedelta(minutes=5)) == 0
    db.session.commit()

    assert soon.confirm_asked_at == now and soon.reminded_at == now
    assert later.confirm_asked_at is None and started.confirm_asked_at is None
    assert kinds(soon.volunteer_id) == ["confirm_attendance"]
    note = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == soon.volunteer_id)
    )
    assert note.data["application_id"] == soon.id
    assert confirmation_state(soon, now) == ASKED


def test_only_approved_places_are_asked(app):
    shift = shift_in(5)
    others = [
        place(shift, status)
        for status in ApplicationStatus
        if status is not ApplicationStatus.APPROVED
    ]
    db.session.commit()

    assert ask_for_confirmations(utcnow()) == 0
    assert all(a.confirm_asked_at is None for a in others)


def test_a_place_reminded_this_hour_is_asked_later(app):
    now = utcnow()
    application = place(shift_in(10))
    application.reminded_at = now - timedelta(minutes=20)
    db.session.commit()

    assert ask_for_confirmations(now) == 0
    assert ask_for_confirmations(now + timedelta(minutes=45)) == 1


def test_the_question_carries_both_answers(app):
    from marketplace.notifications import KINDS

    application = place(shift_in(10))
    db.session.commit()
    ask_for_confirmations(utcnow())
    note = db.session.scalar(sa.select(Notification))
    kind = KINDS["confirm_attendance"]
    assert kind.topic == "shifts"
    assert kind.link(note.data) == ("volunteers.my_shifts", {})
    with app.test_request_context(), force_locale("en"):
        assert kind.actions(note.data) == [
            ("I'm coming", f"coming:{application.id}"),
            ("I can't come", f"not_coming:{application.id}"),
        ]
        assert kind.text(note.data).startswith("Are you coming to “สอนการบ้านเด็ก”")
    with app.test_request_context(), force_locale("th"):
        assert kind.text(note.data).startswith("คุณจะมา")
        assert "พ.ศ." in kind.text(note.data)
        assert kind.next_step(note.data)
        # The page's copy of the line (values escaped and marked) names the day too.
        from marketplace.web import notification_html

        assert "พ.ศ." in notification_html(note.kind, note.data)


def test_coming_confirms_the_place(app):
    now = utcnow()
    application = place(shift_in(10))
    db.session.commit()

    sentence = actions.perform(application.volunteer, f"coming:{application.id}", now)
    db.session.commit()

    assert "สอนการบ้านเด็ก" in sentence
    assert application.confirmed_at == now
    assert confirmation_state(application, now) == CONFIRMED
    # A confirmed place is not asked any more.
    assert ask_for_confirmations(now) == 0


def test_someone_elses_place_is_not_found(app):
    application = place(shift_in(10))
    stranger = factories.make_user()
    db.session.commit()

    for verb in ("coming", "not_coming"):
        with pytest.raises(NotFound):
            actions.perform(stranger, f"{verb}:{application.id}")
        with pytest.raises(NotFound):
            actions.perform(stranger, f"{verb}:999999")
    assert application.status is ApplicationStatus.APPROVED


def test_a_started_shift_is_a_conflict(app):
    application = place(shift_in(-0.5))
    db.session.commit()

    for verb in ("coming", "not_coming"):
        with pytest.raises(Conflict) as caught:
            actions.perform(application.volunteer, f"{verb}:{application.id}")
        assert caught.value.status == 409
        assert caught.value.code == "shift_started"
        db.session.rollback()
    assert application.status is ApplicationStatus.APPROVED


def test_cant_come_frees_the_place_for_the_waitlist(app):
    member = factories.make_user(Role.ORGANIZER)
    shift = shift_in(10, capacity=1, member=member)
    going = place(shift)
    waiting = place(shift, ApplicationStatus.WAITLISTED)
    db.session.commit()
    now = utcnow()

    actions.perform(going.volunteer, f"not_coming:{going.id}", now)
    db.session.commit()

    db.session.refresh(shift)
    assert going.status is ApplicationStatus.WITHDRAWN
    assert going.cant_come_at == now
    assert confirmation_state(going, now) == CANT_COME
    assert waiting.status.holds_spot
    assert shift.spots_taken == 1
    assert kinds(waiting.volunteer_id) == ["promoted_from_waitlist"]
    assert kinds(member.id) == ["volunteer_cant_come"]
    # Saying it twice: the place is gone.
    with pytest.raises(Conflict):
        actions.perform(going.volunteer, f"not_coming:{going.id}", now)


def test_applying_again_forgets_the_old_answer(app):
    from marketplace.applications.services import apply_to_shift

    application = place(shift_in(10))
    db.session.commit()
    actions.perform(application.volunteer, f"not_coming:{application.id}")
    db.session.commit()

    again = apply_to_shift(application.volunteer, application.shift_id, answers={})
    db.session.commit()

    assert again.id == application.id
    assert again.cant_come_at is None and again.confirm_asked_at is None


def release_case(hours_before: float, release: int | None, asked_ago: timedelta):
    shift = shift_in(hours_before, capacity=1)
    shift.opportunity.release_unconfirmed_hours = release
    application = place(shift)
    application.confirm_asked_at = utcnow() - asked_ago
    waiting = place(shift, ApplicationStatus.WAITLISTED)
    db.session.commit()
    return application, waiting


def test_release_respects_the_setting(app):
    now = utcnow()
    off, _ = release_case(3, None, timedelta(hours=20))
    not_yet, _ = release_case(8, 6, timedelta(hours=20))
    too_soon, _ = release_case(3, 6, ANSWER_TIME - timedelta(minutes=1))
    confirmed, _ = release_case(3, 6, timedelta(hours=20))
    confirmed.confirmed_at = now - timedelta(hours=1)
    due, waiting = release_case(3, 6, timedelta(hours=20))
    db.session.commit()

    assert release_unconfirmed(now) == 1
    db.session.commit()
    assert release_unconfirmed(now) == 0

    assert due.status is ApplicationStatus.WITHDRAWN and due.released_at == now
    assert confirmation_state(due, now) == NO_ANSWER
    assert waiting.status.holds_spot
    assert kinds(due.volunteer_id) == ["place_released"]
    for kept in (off, not_yet, too_soon, confirmed):
        assert kept.status is ApplicationStatus.APPROVED


def test_release_hours_are_validated(app):
    assert check_release_hours(None) is None
    assert check_release_hours(0) is None
    assert check_release_hours(6) == 6
    for wrong in (-1, 24, 500):
        with pytest.raises(ValidationFailed) as caught:
            check_release_hours(wrong)
        assert "release_unconfirmed_hours" in caught.value.fields
    app.config["CONFIRMATION_HOURS"] = 0
    with pytest.raises(ValidationFailed):
        check_release_hours(6)


def test_asking_is_off_at_zero_hours(app):
    place(shift_in(2))
    db.session.commit()
    app.config["CONFIRMATION_HOURS"] = 0
    assert ask_for_confirmations(utcnow()) == 0


def test_two_runs_at_once_ask_each_place_once(app, make_app, database_url):
    """Two consumers run the periodic task together: the row locks share the work."""
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's (SQLite runs one writer at a time)")
    import threading

    shift = shift_in(10)
    places = [place(shift) for _ in range(6)]
    db.session.commit()
    now = utcnow()
    apps = [make_app(), make_app()]
    barrier = threading.Barrier(len(apps))
    asked: list[int] = []

    def run(other) -> None:
        with other.app_context():
            barrier.wait()
            asked.append(ask_for_confirmations(now))
            db.session.commit()

    threads = [threading.Thread(target=run, args=(other,)) for other in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    db.session.rollback()  # see what the other sessions wrote
    assert sum(asked) == len(places)
    notes = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == "confirm_attendance")
    ).all()
    assert sorted(notes) == sorted(p.volunteer_id for p in places)


def test_every_new_kind_links_to_a_page_and_says_what_next(app):
    from flask import url_for

    from marketplace.notifications import KINDS

    application = place(shift_in(10))
    db.session.commit()
    actions.perform(application.volunteer, f"not_coming:{application.id}")
    data = {
        "application_id": application.id,
        "opportunity_id": application.shift.opportunity_id,
        "title": "t",
        "starts_at": application.shift.starts_at.isoformat(),
        "hours": 6,
        "volunteer": "v",
        "time": "09:00",
    }
    for kind in ("confirm_attendance", "volunteer_cant_come", "place_released"):
        entry = KINDS[kind]
        endpoint, values = entry.link(data)
        assert url_for(endpoint, **values).startswith("/")
        assert entry.next_step(data) and entry.text(data)
        assert entry.topic in {"shifts", "applications"}
