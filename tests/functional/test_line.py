"""LINE: settings, pushes and quota, webhooks, LINE Login (against the stand-in)."""

import importlib.util
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa

from marketplace import create_app
from marketplace.config import ProductionConfig
from marketplace.extensions import db
from marketplace.line import client as line_client
from marketplace.line.client import LineTemporaryError, LineUnavailable
from marketplace.models import (
    ConsentPurpose,
    LineAccount,
    LinePushCount,
    LineWebhookEvent,
    Offer,
    OfferKind,
    OfferStatus,
    Role,
    User,
    utcnow,
)
from marketplace.privacy.consents import consent_state
from marketplace.privacy.services import erase_user, export_user_data
from tests import factories
from tests.standins import line as events

LINE_SETTINGS = {
    "LINE_CHANNEL_ID": "1",
    "LINE_CHANNEL_SECRET": "s" * 32,
    "LINE_CHANNEL_ACCESS_TOKEN": "t",
    "LINE_LOGIN_CHANNEL_ID": "2",
    "LINE_LOGIN_CHANNEL_SECRET": "l" * 32,
}
PRODUCTION = {
    "SECRET_KEY": "x" * 40,
    "PUBLIC_URL": "https://expo.example.org",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
}


def linked(user: User, person, is_friend: bool = True) -> LineAccount:
    """Link a stand-in LINE user to a marketplace account."""
    account = LineAccount(
        user_id=user.id,
        line_user_id=person.user_id,
        display_name=person.display_name,
        is_friend=is_friend,
    )
    db.session.add(account)
    db.session.commit()
    return account


def line_login(client_, standin, person, **form):
    """Go through LINE Login: the app, the stand-in's consent page, back."""
    standin.login_as = person.user_id if person is not None else None
    answer = client_.post("/login/line", data=form)
    assert answer.status_code == 302, answer.status_code
    authorize = answer.headers["Location"]
    assert authorize.startswith(f"{standin.url}/oauth2/v2.1/authorize?")
    back = requests.get(authorize, allow_redirects=False, timeout=5)
    assert back.status_code == 302
    parts = urlsplit(back.headers["Location"])
    assert parts.path == "/login/line/callback"
    return client_.get(f"{parts.path}?{parts.query}"), authorize


# --- Settings -----------------------------------------------------------------------


def test_production_refuses_half_configured_line_naming_what_is_missing():
    half = {k: v for k, v in LINE_SETTINGS.items() if k != "LINE_LOGIN_CHANNEL_SECRET"}
    with pytest.raises(RuntimeError, match="LINE_LOGIN_CHANNEL_SECRET is missing"):
        create_app(ProductionConfig, {**PRODUCTION, **half})
    create_app(ProductionConfig, {**PRODUCTION, **LINE_SETTINGS})  # all: fine
    create_app(ProductionConfig, PRODUCTION)  # none: LINE is off


def test_without_settings_line_is_off_and_nothing_shows(app, client):
    for page in ("/login", "/register"):
        assert "line-login" not in client.get(page).get_data(as_text=True)
    assert client.post("/login/line").status_code == 404
    assert client.post("/line/webhook", data="{}").status_code == 404
    volunteer = factories.make_user()
    assert client_module_line_user_id(volunteer) is None


def client_module_line_user_id(user):
    return line_client.line_user_id_for(user)


def test_login_and_register_pages_offer_line_when_configured(line, client):
    for page in ("/login", "/register"):
        answer = client.get(page)
        assert 'data-testid="line-login"' in answer.get_data(as_text=True)
        # The form's answer redirects to LINE Login: form-action allows it.
        policy = answer.headers["Content-Security-Policy"]
        assert f"form-action 'self' {line.url}" in policy


# --- Pushes -------------------------------------------------------------------------


def test_push_with_answers_link_and_retry_key(line, app):
    person = line.add_user("Mali", is_friend=True)
    volunteer = factories.make_user()
    linked(volunteer, person)
    assert line_client.line_user_id_for(volunteer) == person.user_id
    line_client.push(
        person.user_id,
        "A place is offered to you",
        [("Take it", "take:7"), ("No, thanks", "skip:7")],
        "https://expo.test.example/floor/offers",
        "delivery-1",
    )
    db.session.commit()
    [message] = line.pushed_to(person.user_id)
    assert message["text"] == (
        "A place is offered to you\nhttps://expo.test.example/floor/offers"
    )
    actions = [item["action"] for item in message["quickReply"]["items"]]
    assert [(a["type"], a["label"], a["data"]) for a in actions] == [
        ("postback", "Take it", "take:7"),
        ("postback", "No, thanks", "skip:7"),
    ]
    assert line.pushes[0]["retry_key"] == line_client.retry_key_uuid("delivery-1")
    assert line_client.pushes_in_month() == 1


def test_a_retried_push_is_delivered_once_and_counted_once(line, app):
    person = line.add_user("Mali", is_friend=True)
    line_client.push(person.user_id, "Reminder", [], None, "delivery-9")
    db.session.rollback()  # a crash after LINE took it: its count is lost too
    assert line_client.pushes_in_month() == 0
    line_client.push(person.user_id, "Reminder", [], None, "delivery-9")  # retry
    db.session.commit()
    assert len(line.pushes) == 1  # the stand-in answered 409 to the repeat
    assert line_client.pushes_in_month() == 1  # LINE sent it once: counted once


def test_past_the_monthly_quota_push_raises_unavailable(line, app):
    app.config["LINE_PUSH_QUOTA"] = 2
    person = line.add_user("Mali", is_friend=True)
    line_client.push(person.user_id, "one", [], None, "k1")
    line_client.push(person.user_id, "two", [], None, "k2")
    with pytest.raises(LineUnavailable):
        line_client.push(person.user_id, "three", [], None, "k3")
    db.session.commit()
    assert len(line.pushes) == 2
    assert db.session.get(LinePushCount, line_client.month_of(utcnow())).pushes == 2


def test_concurrent_pushes_never_overshoot_the_quota(app):
    """Twelve workers counting a push at the same instant, five allowed."""
    from collections import Counter

    from tests.functional.test_concurrency import fire_together

    app.config["LINE_PUSH_QUOTA"] = 5
    now = utcnow()

    def count():
        with app.test_request_context(method="POST"):
            try:
                taken = line_client.reserve_push(now)
                db.session.commit()
                return taken
            except Exception as error:  # shown in the failure
                db.session.rollback()
                return repr(error)[:300]
            finally:
                db.session.remove()

    results = fire_together([count for _ in range(12)])
    assert Counter(results) == {True: 5, False: 7}, Counter(results)
    db.session.rollback()
    assert line_client.pushes_in_month(now) == 5


def test_a_blocked_user_is_marked_not_a_friend(line, app):
    person = line.add_user("Mali", is_friend=False)  # blocked the account
    volunteer = factories.make_user()
    linked(volunteer, person, is_friend=True)
    with pytest.raises(LineUnavailable):
        line_client.push(person.user_id, "hello", [], None, "k1")
    db.session.commit()
    assert db.session.scalar(sa.select(LineAccount.is_friend)) is False
    assert line_client.line_user_id_for(volunteer) is None
    assert line_client.pushes_in_month() == 0  # not sent, not counted


def test_line_failing_is_temporary_and_not_counted(line, app):
    person = line.add_user("Mali", is_friend=True)
    line.fail_pushes.append(500)
    with pytest.raises(LineTemporaryError):
        line_client.push(person.user_id, "hello", [], None, "k1")
    assert line_client.pushes_in_month() == 0
    line_client.push(person.user_id, "hello", [], None, "k1")  # the retry goes out
    assert len(line.pushes) == 1


def test_line_unreachable_is_temporary(line, app):
    person = line.add_user("Mali", is_friend=True)
    app.config["LINE_API_BASE_URL"] = "http://127.0.0.1:9"  # nothing listens
    with pytest.raises(LineTemporaryError):
        line_client.push(person.user_id, "hello", [], None, "k1")


# --- Webhooks -----------------------------------------------------------------------


def test_webhook_signature_good_bad_missing(line, client):
    person = line.add_user("Mali")
    volunteer = factories.make_user()
    linked(volunteer, person, is_friend=False)
    follow = events.follow(person.user_id)
    assert line.webhook(client, [follow], signature="bad").status_code == 400
    assert line.webhook(client, [follow], signature=None).status_code == 400
    other_secret = line.signature('{"events": []}', secret="another secret")
    assert line.webhook(client, [follow], signature=other_secret).status_code == 400
    assert db.session.scalar(sa.select(LineAccount.is_friend)) is False  # nothing done
    assert db.session.scalar(sa.select(sa.func.count(LineWebhookEvent.id))) == 0
    assert line.webhook(client, [follow]).status_code == 200
    assert db.session.scalar(sa.select(LineAccount.is_friend)) is True


def test_a_signed_body_that_is_not_understood_still_gets_200(line, client):
    body = "not json"
    headers = {"X-Line-Signature": line.signature(body)}
    answer = client.post("/line/webhook", data=body, headers=headers, csrf=False)
    assert answer.status_code == 200  # LINE would send it again otherwise
    assert line.replies == []


def test_follow_and_unfollow_update_friendship(line, client):
    person = line.add_user("Mali LINE", is_friend=True)
    volunteer = factories.make_user()
    linked(volunteer, person, is_friend=False)
    line.webhook(client, [events.follow(person.user_id)])
    account = db.session.scalar(sa.select(LineAccount))
    assert account.is_friend is True
    assert account.display_name == "Mali LINE"  # from the profile
    assert line.replies == []  # a known person: no help text
    line.webhook(client, [events.unfollow(person.user_id)])
    db.session.refresh(account)
    assert account.is_friend is False


def test_unknown_people_are_told_how_to_link(line, client):
    person = line.add_user("Somchai", is_friend=True)
    for event in (
        events.follow(person.user_id),
        events.postback(person.user_id, "take:1"),
        events.text(person.user_id, "hello"),
    ):
        assert line.webhook(client, [event]).status_code == 200
    assert len(line.replies) == 3
    for reply in line.replies:
        assert "https://expo.test.example/login" in reply["messages"][0]["text"]


@pytest.fixture
def offer_to(app):
    """An open floater offer of a place on a shift, to a volunteer."""

    def make(volunteer):
        organization = factories.make_organization()
        opportunity = factories.make_opportunity(
            organization, starts=utcnow() + timedelta(hours=2), capacity=3
        )
        shift = opportunity.shifts[0]
        offer = Offer(
            kind=OfferKind.FLOATER,
            status=OfferStatus.OPEN,
            shift_id=shift.id,
            volunteer_id=volunteer.id,
            created_at=utcnow(),
            expires_at=utcnow() + timedelta(minutes=15),
        )
        db.session.add(offer)
        db.session.commit()
        return offer

    return make


def test_postback_takes_own_offer_and_refuses_someone_elses(line, client, offer_to):
    person = line.add_user("Mali", is_friend=True)
    volunteer = factories.make_user(email="mali@example.org")
    linked(volunteer, person)
    other = factories.make_user(email="other@example.org")
    theirs = offer_to(other)
    mine = offer_to(volunteer)

    line.webhook(client, [events.postback(person.user_id, f"take:{theirs.id}")])
    db.session.refresh(theirs)
    assert theirs.status is OfferStatus.OPEN  # not taken by the wrong person
    refused = line.replies[-1]["messages"][0]["text"]

    line.webhook(client, [events.postback(person.user_id, f"take:{mine.id}")])
    db.session.refresh(mine)
    assert mine.status is OfferStatus.ACCEPTED
    assert mine.application_id is not None
    taken = line.replies[-1]["messages"][0]["text"]
    assert "สอนการบ้านเด็ก" in taken  # "the place on … is yours", in Thai
    assert refused != taken


def test_a_redelivered_event_is_handled_once(line, client, offer_to):
    person = line.add_user("Mali", is_friend=True)
    volunteer = factories.make_user()
    linked(volunteer, person)
    offer = offer_to(volunteer)
    tap = events.postback(person.user_id, f"take:{offer.id}")
    assert line.webhook(client, [tap]).status_code == 200
    assert line.webhook(client, [events.redelivered(tap)]).status_code == 200
    assert len(line.replies) == 1  # the second delivery did nothing, said nothing
    assert db.session.scalar(sa.select(sa.func.count(LineWebhookEvent.id))) == 1


def test_a_bad_postback_code_gets_an_answer_not_an_error(line, client):
    person = line.add_user("Mali", is_friend=True)
    linked(factories.make_user(), person)
    answer = line.webhook(client, [events.postback(person.user_id, "drop:tables")])
    assert answer.status_code == 200
    assert line.replies[-1]["messages"][0]["text"]


@pytest.mark.skipif(
    importlib.util.find_spec("marketplace.conversations") is None,
    reason="the conversations feature (file_reply) is not on this branch",
)
def test_a_text_goes_through_file_reply(line, client):
    """No shift wrote to this volunteer: file_reply files nothing, LINE says so."""
    from marketplace.models import ShiftMessage

    person = line.add_user("Mali", is_friend=True)
    linked(factories.make_user(), person)
    line.webhook(client, [events.text(person.user_id, "ไปสายสิบนาทีค่ะ")])
    assert "https://expo.test.example/" in line.replies[-1]["messages"][0]["text"]
    assert db.session.scalar(sa.select(sa.func.count(ShiftMessage.id))) == 0


def test_a_text_with_nowhere_to_go_gets_the_help_text(line, client):
    person = line.add_user("Mali", is_friend=True)
    linked(factories.make_user(), person)
    line.webhook(client, [events.text(person.user_id, "hello")])
    assert "https://expo.test.example/" in line.replies[-1]["messages"][0]["text"]


# --- LINE Login ---------------------------------------------------------------------


def test_login_makes_a_new_volunteer_account(line, client):
    person = line.add_user("มะลิ ใจงาม")
    answer, authorize = line_login(client, line, person)
    query = parse_qs(urlsplit(authorize).query)
    assert query["bot_prompt"] == ["aggressive"]
    assert query["scope"] == ["openid profile"]
    assert query["nonce"] and query["state"]
    assert answer.headers["Location"] == "/login/line/sign-up"
    page = client.get("/login/line/sign-up").get_data(as_text=True)
    assert 'value="มะลิ ใจงาม"' in page  # prefilled from LINE

    refused = client.post("/login/line/sign-up", data={"display_name": "มะลิ"})
    assert refused.status_code == 200  # the terms are still needed
    assert db.session.scalar(sa.select(sa.func.count(LineAccount.id))) == 0

    done = client.post(
        "/login/line/sign-up",
        data={"display_name": "มะลิ ใจงาม", "accept_terms": "y"},
    )
    assert done.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.display_name == "มะลิ ใจงาม"))
    assert user.role is Role.VOLUNTEER and user.email.endswith("@line.invalid")
    assert user.password_hash == "" and user.signup_source == "line"
    state = consent_state(user)
    assert state[ConsentPurpose.TERMS] and not state[ConsentPurpose.MATCHING]
    account = db.session.scalar(sa.select(LineAccount))
    assert (account.user_id, account.line_user_id) == (user.id, person.user_id)
    assert account.is_friend is True  # added through the bot prompt
    assert client.get("/me/profile").status_code == 200  # logged in

    # Next time LINE Login logs straight in.
    client.post("/logout")
    again, _ = line_login(client, line, person)
    assert again.status_code == 302 and "/sign-up" not in again.headers["Location"]
    assert client.get("/account/line").status_code == 200


def test_sign_up_with_an_email_taken_is_refused(line, client):
    factories.make_user(email="taken@example.org")
    db.session.commit()
    line_login(client, line, line.add_user("Mali"))
    answer = client.post(
        "/login/line/sign-up",
        data={
            "display_name": "Mali",
            "email": "taken@example.org",
            "accept_terms": "y",
        },
    )
    assert answer.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(LineAccount.id))) == 0


def test_a_logged_in_person_links_line(line, client, volunteer):
    person = line.add_user("Veera", is_friend=True)
    answer, _ = line_login(client, line, person)
    assert answer.headers["Location"] == "/account/line"
    account = db.session.scalar(sa.select(LineAccount))
    assert account.user_id == volunteer.id and account.is_friend
    page = client.get("/account/line").get_data(as_text=True)
    assert 'data-testid="line-linked"' in page
    assert 'data-testid="profile-line"' in client.get("/me/profile").get_data(
        as_text=True
    )
    client.post("/account/line/unlink")
    assert db.session.scalar(sa.select(sa.func.count(LineAccount.id))) == 0
    assert 'data-testid="line-not-linked"' in client.get("/account/line").get_data(
        as_text=True
    )


def test_a_line_account_linked_to_someone_else_is_refused(line, client, volunteer):
    person = line.add_user("Someone")
    owner = factories.make_user(email="owner@example.org")
    linked(owner, person)
    answer, _ = line_login(client, line, person)
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "already linked to another account" in page or "เชื่อมกับบัญชีอื่น" in page
    assert db.session.scalar(sa.select(LineAccount.user_id)) == owner.id


def test_a_line_only_account_keeps_its_link(line, client):
    line_login(client, line, line.add_user("Mali"))
    client.post(
        "/login/line/sign-up", data={"display_name": "Mali", "accept_terms": "y"}
    )
    client.post("/account/line/unlink")
    assert db.session.scalar(sa.select(sa.func.count(LineAccount.id))) == 1


def test_a_state_that_does_not_match_is_refused(line, client):
    person = line.add_user("Mali")
    line.login_as = person.user_id
    answer = client.post("/login/line")
    authorize = answer.headers["Location"].replace("state=", "state=forged")
    back = requests.get(authorize, allow_redirects=False, timeout=5)
    parts = urlsplit(back.headers["Location"])
    refused = client.get(f"{parts.path}?{parts.query}")
    assert refused.status_code == 400
    assert 'data-testid="line-problem"' in refused.get_data(as_text=True)
    assert (
        client.get("/login/line/sign-up").get_data(as_text=True).count("line-sign-up")
        == 0
    )


def test_a_nonce_that_does_not_match_is_refused(line, client, monkeypatch):
    person = line.add_user("Mali")
    real = line.id_token
    monkeypatch.setattr(
        line, "id_token", lambda who, nonce, **c: real(who, "another-nonce", **c)
    )
    answer, _ = line_login(client, line, person)
    assert answer.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_an_id_token_for_another_channel_is_refused(line, client, monkeypatch):
    person = line.add_user("Mali")
    real = line.id_token
    monkeypatch.setattr(
        line, "id_token", lambda who, nonce, **c: real(who, nonce, aud="999")
    )
    answer, _ = line_login(client, line, person)
    assert answer.status_code == 400


def test_a_cancelled_login_says_so(line, client):
    answer, _ = line_login(client, line, None)
    assert answer.status_code == 400


def test_a_person_with_two_step_login_still_gives_the_code(line, client):
    from marketplace.auth import mfa

    person = line.add_user("Staff")
    staff = factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    staff.totp_secret = mfa.new_secret()
    staff.totp_enabled_at = utcnow()
    linked(staff, person)
    answer, _ = line_login(client, line, person)
    assert answer.headers["Location"] == "/login/code"
    assert client.get("/account/line").status_code == 302  # not logged in yet


# --- Privacy ------------------------------------------------------------------------


def test_export_shows_the_line_link_and_erasure_removes_it(line, app):
    person = line.add_user("Mali")
    volunteer = factories.make_user()
    linked(volunteer, person)
    with app.test_request_context():
        exported = export_user_data(volunteer)
        assert exported["line"][0]["line_user_id"] == person.user_id
        erase_user(volunteer, volunteer, "self")
        db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(LineAccount.id))) == 0


def test_the_privacy_notice_names_line_as_a_processor(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert 'data-testid="processor-line"' in page and "LY Corporation" in page
