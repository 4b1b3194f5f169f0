"""Sessions: a fresh session at login, idle and absolute timeouts, no sleeping."""

import time

import pytest
from flask import current_app
from flask_login import login_user

from marketplace.auth.sessions import issue_token, load_session_user
from marketplace.extensions import db
from marketplace.models import Notification
from marketplace.web import unread_notifications
from tests import factories

PRIVATE_PAGE = "/account/password"


def logged_in(client) -> bool:
    response = client.get(PRIVATE_PAGE)
    return response.status_code == 200


def shift_session(client, **seconds_back: int) -> None:
    """Move the session's timestamps into the past."""
    with client.session_transaction() as session:
        for key, seconds in seconds_back.items():
            session[key] = session[key] - seconds


def test_login_starts_a_fresh_session(client, auth):
    factories.make_user(email="a@example.org")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone before login"
        session["locale"] = "en"
        before_token = session["csrf_token"]
    auth.login("a@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["locale"] == "en"  # a preference survives
        assert session["sid"] and session["login_at"] and session["seen_at"]
        first_sid = session["sid"]
    client.get("/login")
    with client.session_transaction() as session:
        assert session["csrf_token"] != before_token
    client.post("/logout")
    auth.login("a@example.org")
    with client.session_transaction() as session:
        assert session["sid"] != first_sid


def test_a_pre_login_cookie_is_not_logged_in(app, client, auth):
    factories.make_user(email="a@example.org")
    client.get("/login")
    before = client.get_cookie("session").value
    auth.login("a@example.org")
    assert logged_in(client)
    other = app.test_client()
    other.set_cookie("session", before)
    assert not logged_in(other)


def test_idle_session_ends(client, auth):
    factories.make_user(email="a@example.org")
    auth.login("a@example.org")
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    shift_session(client, seen_at=idle - 40)
    assert logged_in(client)  # a request just in time renews the idle clock
    with client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 5
    shift_session(client, seen_at=idle + 1)
    response = client.get(PRIVATE_PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has ended" in page or "เซสชัน" in page
    assert not logged_in(client)


def test_idle_timeout_is_configurable(app, client, auth):
    factories.make_user(email="a@example.org")
    auth.login("a@example.org")
    shift_session(client, seen_at=6 * 60)
    assert logged_in(client)
    app.config["SESSION_IDLE_MINUTES"] = 5
    shift_session(client, seen_at=6 * 60)
    assert not logged_in(client)


def test_absolute_timeout_ends_an_active_session(app, client, auth):
    factories.make_user(email="a@example.org")
    auth.login("a@example.org")
    hours = current_app.config["SESSION_ABSOLUTE_HOURS"]
    shift_session(client, login_at=hours * 3600 - 60)
    assert logged_in(client)
    shift_session(client, login_at=61)  # active a moment ago, but open too long
    assert not logged_in(client)
    auth.login("a@example.org")
    app.config["SESSION_ABSOLUTE_HOURS"] = 1
    shift_session(client, login_at=3601)
    assert not logged_in(client)


def log_in_remembered(client):
    """Log a new user in with "keep me logged in" ticked."""
    factories.make_user(email="a@example.org")
    client.post(
        "/login",
        data={
            "email": "a@example.org",
            "password": factories.PASSWORD,
            "remember": "y",
        },
    )


def test_expiry_also_clears_the_remember_cookie(client):
    log_in_remembered(client)
    assert client.get_cookie("remember_token") is not None
    hours = current_app.config["SESSION_ABSOLUTE_HOURS"]
    shift_session(client, login_at=hours * 3600 + 1)
    assert not logged_in(client)
    assert client.get_cookie("remember_token") is None
    assert not logged_in(client)


def test_remember_cookie_login_gets_its_own_clock(client):
    log_in_remembered(client)
    remember = client.get_cookie("remember_token").value
    client.delete_cookie("session")  # the browser was closed
    client.set_cookie("remember_token", remember)
    assert logged_in(client)
    with client.session_transaction() as session:
        assert time.time() - session["login_at"] < 5


@pytest.mark.parametrize("missing", ["login_at", "seen_at"])
def test_a_session_without_timestamps_is_sent_to_login(client, auth, missing):
    factories.make_user(email="a@example.org")
    db.session.commit()
    auth.login("a@example.org")
    assert logged_in(client)
    with client.session_transaction() as session:
        del session[missing]
    response = client.get(PRIVATE_PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    with client.session_transaction() as session:
        assert "_user_id" not in session
    # Logging in again starts a complete session.
    auth.login("a@example.org")
    assert logged_in(client)


@pytest.mark.parametrize("stamp", ["soon", None, 1.5, [1]])
def test_a_session_with_a_malformed_timestamp_is_sent_to_login(client, auth, stamp):
    factories.make_user(email="a@example.org")
    db.session.commit()
    auth.login("a@example.org")
    with client.session_transaction() as session:
        session["seen_at"] = stamp
    response = client.get(PRIVATE_PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_bearer_tokens_are_not_subject_to_cookie_timeouts(app, api):
    user = factories.make_user(email="a@example.org")
    raw, _ = issue_token(user, app.config["API_TOKEN_LIFETIME"])
    db.session.commit()
    response = api.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200


def test_the_bell_is_counted_with_the_user_and_again_after_a_commit(app, count_queries):
    user = factories.make_user(email="bell@example.org")
    db.session.commit()
    session_id, user_id = user.get_id(), user.id

    def notify() -> None:
        kind = "application_received"
        db.session.add(Notification(user_id=user_id, kind=kind, data={}))
        db.session.commit()

    notify()
    with app.test_request_context("/"):
        db.session.expunge_all()
        with count_queries() as statements:
            login_user(load_session_user(session_id))
            assert unread_notifications() == 1
        assert len([s for s in statements if s.lstrip().startswith("SELECT")]) == 1
        notify()  # the commit ends the count read with the user
        assert unread_notifications() == 2
