"""Walk-in at a booth: the phone flow, kiosk mode, returning volunteers, limits."""

import re
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from marketplace.expo import next_expo_days
from marketplace.extensions import db
from marketplace.i18n import BANGKOK
from marketplace.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    ConsentPurpose,
    EmailOutbox,
    Kiosk,
    PhoneCode,
    Role,
    User,
    WalkIn,
    utcnow,
)
from marketplace.walkin import services
from tests import factories

ADULT = "1990-05-01"


def expo_start(hour: int = 10) -> datetime:
    """A shift start on the first coming expo day, in Bangkok time."""
    day = next_expo_days(utcnow().astimezone(BANGKOK).date())[0]
    return datetime.combine(day, time(hour), tzinfo=BANGKOK)


@pytest.fixture
def booth(app):
    """A verified partner with a member, an expo-day shift and a running one."""
    member = factories.make_user(Role.ORGANIZER, email="member@example.org")
    organization = factories.make_organization(members=[member])
    later = factories.make_opportunity(
        organization, title="ต้อนรับผู้เข้าชม", starts=expo_start(), capacity=3
    ).shifts[0]
    running = factories.make_opportunity(
        organization,
        title="แจกน้ำ",
        starts=utcnow().replace(microsecond=0) - timedelta(minutes=20),
        capacity=5,
    ).shifts[0]
    db.session.commit()
    return {
        "member": member,
        "organization": organization,
        "later": later,
        "running": running,
    }


def form(**changes) -> dict:
    data = {
        "display_name": "มานี มีใจ",
        "phone": "081 234 5678",
        "email": "",
        "date_of_birth": ADULT,
        "accept_terms": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_booth_scan_to_applied_in_three_pages(client, booth):
    organization, shift = booth["organization"], booth["later"]
    scan = client.get(f"/expo/booth/{organization.id}")
    listing = client.get(scan.headers["Location"])
    page = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert f"/expo/walk-in/{organization.id}/shifts/{shift.id}" in page
    assert f"/shifts/{booth['running'].id}" in page  # on now: still open to walk-ins
    url = f"/expo/walk-in/{organization.id}/shifts/{shift.id}"
    form_page = client.get(url).get_data(as_text=True)
    assert 'autocomplete="off"' in form_page
    # Consents start unticked.
    assert not re.search(r'name="accept_terms"[^>]*checked', form_page)
    assert not re.search(r'name="consent_matching"[^>]*checked', form_page)
    done = client.post(url, data=form(email="Manee@Example.org"))
    assert done.status_code == 302 and done.headers["Location"].endswith("/done")
    shown = client.get("/expo/walk-in/done")
    text = shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"

    user = db.session.scalar(sa.select(User).where(User.email == "manee@example.org"))
    assert user.profile.phone == "+66812345678"
    assert user.password_hash == ""  # no password until they set one
    assert user.signup_source == f"booth:{organization.id}"
    walk_in = db.session.scalar(sa.select(WalkIn))
    assert walk_in.code in text
    assert "set-password" in text
    application = db.session.get(Application, walk_in.application_id)
    assert application.status is ApplicationStatus.ACCEPTED
    assert application.source == f"booth:{organization.id}"
    assert application.checked_in_at is None  # not at a kiosk
    consents = {c.purpose: c.granted for c in user.consents}
    assert consents == {ConsentPurpose.TERMS: True, ConsentPurpose.MATCHING: False}
    mail = db.session.scalar(
        sa.select(EmailOutbox).where(EmailOutbox.user_id == user.id)
    )
    assert "/reset-password/" in mail.body or "reset" in mail.body
    # Logged in on their own phone: My shifts has the shift.
    assert "ต้อนรับผู้เข้าชม" in client.get("/me/shifts").get_data(as_text=True)


def test_password_cannot_be_used_before_it_is_set(client, booth):
    url = f"/expo/walk-in/{booth['organization'].id}/shifts/{booth['later'].id}"
    client.post(url, data=form(email="nopass@example.org"))
    client.post("/logout")
    for guess in ("", "x", "password123"):
        response = client.post(
            "/login", data={"email": "nopass@example.org", "password": guess}
        )
        assert "/me/shifts" not in response.headers.get("Location", "")
        assert response.status_code == 200


def test_no_email_gets_an_undeliverable_address_and_no_mail(client, booth):
    url = f"/expo/walk-in/{booth['organization'].id}/shifts/{booth['later'].id}"
    assert client.post(url, data=form()).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.role == Role.VOLUNTEER))
    assert user.email.endswith("@walk-in.invalid")
    assert not services.has_real_email(user)
    to_them = sa.select(sa.func.count(EmailOutbox.id)).where(
        EmailOutbox.user_id == user.id
    )
    assert db.session.scalar(to_them) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"phone": "+66 2"}, "phone"),
        ({"phone": "abc"}, "phone"),
        ({"display_name": "1234"}, "display_name"),
        ({"email": "not-an-address"}, "email"),
        ({"date_of_birth": ""}, "date_of_birth"),
        ({"accept_terms": None}, "accept_terms"),
    ],
)
def test_bad_input_is_explained_not_saved(client, booth, changes, field):
    url = f"/expo/walk-in/{booth['organization'].id}/shifts/{booth['later'].id}"
    response = client.post(url, data=form(**changes))
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(WalkIn.id))) == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count(User.id)).where(User.role == Role.VOLUNTEER)
        )
        == 0
    )


def test_phone_numbers_are_stored_in_e164():
    assert services.normalize_phone("081-234-5678") == "+66812345678"
    assert services.normalize_phone("+66 81 234 5678") == "+66812345678"
    assert services.normalize_phone("+44 20 7946 0958") == "+442079460958"


def test_a_minor_needs_a_guardian(client, booth):
    url = f"/expo/walk-in/{booth['organization'].id}/shifts/{booth['later'].id}"
    birth = (utcnow() - timedelta(days=365 * 15)).date().isoformat()
    refused = client.post(url, data=form(date_of_birth=birth))
    assert refused.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(WalkIn.id))) == 0
    accepted = client.post(
        url,
        data=form(
            date_of_birth=birth,
            guardian_name="สมศรี มีใจ",
            guardian_contact="089 999 9999",
            guardian_consent="y",
        ),
    )
    assert accepted.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.role == Role.VOLUNTEER))
    assert user.profile.guardian_consent_at is not None


def test_an_existing_e_mail_is_not_taken_over(client, booth):
    factories.make_user(email="taken@example.org")
    db.session.commit()
    url = f"/expo/walk-in/{booth['organization'].id}/shifts/{booth['later'].id}"
    response = client.post(url, data=form(email="taken@example.org"))
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(WalkIn.id))) == 0
    assert client.get("/me/shifts").status_code == 302  # not logged in as them


def test_a_logged_in_volunteer_applies_with_one_button(client, auth, booth):
    factories.make_user(email="v@example.org")
    db.session.commit()
    auth.login("v@example.org")
    url = f"/expo/walk-in/{booth['organization'].id}/shifts/{booth['later'].id}"
    assert 'data-testid="walk-in-as"' in client.get(url).get_data(as_text=True)
    assert client.post(url, data={}).status_code == 302
    walk_in = db.session.scalar(sa.select(WalkIn))
    assert walk_in.is_returning


def test_a_shift_of_another_organisation_is_not_found(client, booth):
    other = factories.make_organization()
    shift = factories.make_opportunity(other, starts=expo_start()).shifts[0]
    db.session.commit()
    url = f"/expo/walk-in/{booth['organization'].id}/shifts/{shift.id}"
    assert client.get(url).status_code == 404
    assert client.post(url, data=form()).status_code == 404


def test_a_full_shift_is_not_offered_but_a_late_form_waitlists(client, booth):
    shift = booth["later"]
    shift.spots_taken = shift.capacity
    db.session.commit()
    organization = booth["organization"]
    listing = client.get(f"/expo/walk-in/{organization.id}").get_data(as_text=True)
    assert f"/shifts/{shift.id}" not in listing
    url = f"/expo/walk-in/{organization.id}/shifts/{shift.id}"
    assert client.post(url, data=form()).status_code == 302
    application = db.session.scalar(sa.select(Application))
    assert application.status is ApplicationStatus.WAITLISTED


def test_an_overlapping_shift_is_refused_through_the_one_service(client, booth):
    organization = booth["organization"]
    clash = factories.make_opportunity(
        organization, title="ซ้อนเวลา", starts=expo_start(), capacity=3
    ).shifts[0]
    db.session.commit()
    first = f"/expo/walk-in/{organization.id}/shifts/{booth['later'].id}"
    assert client.post(first, data=form()).status_code == 302
    second = f"/expo/walk-in/{organization.id}/shifts/{clash.id}"
    response = client.post(second, data={})
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(WalkIn.id))) == 1


# --- Kiosk -------------------------------------------------------------------------


def start_kiosk(client, auth, booth) -> None:
    auth.login("member@example.org")
    started = client.post(f"/manage/organizations/{booth['organization'].id}/kiosk")
    assert started.status_code == 302
    assert started.headers["Location"].endswith("/expo/kiosk")


def test_a_kiosk_logs_the_member_out_and_serves_one_organisation(client, auth, booth):
    start_kiosk(client, auth, booth)
    assert client.get("/organizations/mine").status_code == 302  # to the login
    home = client.get("/expo/kiosk")
    assert home.status_code == 200
    assert home.headers["Cache-Control"] == "no-store"
    kiosk = db.session.scalar(sa.select(Kiosk))
    assert kiosk.organization_id == booth["organization"].id
    assert len(kiosk.token_hash) == 64  # only a digest is stored
    other = factories.make_organization()
    shift = factories.make_opportunity(other, starts=expo_start()).shifts[0]
    db.session.commit()
    assert client.get(f"/expo/kiosk/shifts/{shift.id}").status_code == 404


def test_kiosk_walk_in_on_a_running_shift_is_checked_in_and_reset(client, auth, booth):
    start_kiosk(client, auth, booth)
    url = f"/expo/kiosk/shifts/{booth['running'].id}"
    done = client.post(url, data=form(display_name="ปิติ ยินดี"))
    assert done.status_code == 302 and done.headers["Location"].endswith("/kiosk/done")
    page = client.get("/expo/kiosk/done").get_data(as_text=True)
    walk_in = db.session.scalar(sa.select(WalkIn))
    assert walk_in.code in page and "ปิติ" not in page
    assert 'data-testid="walk-in-checked-in"' in page
    assert "set-password" not in page  # the link never shows on a shared tablet
    application = db.session.get(Application, walk_in.application_id)
    assert application.checked_in_at is not None
    assert application.source == f"kiosk:{booth['organization'].id}"
    assert walk_in.kiosk_id is not None
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "application.booth_check_in")
    )
    assert event.actor_id == booth["member"].id
    # Shown once: reloading or going back shows nothing of the person.
    again = client.get("/expo/kiosk/done")
    assert again.status_code == 302
    assert walk_in.code not in client.get("/expo/kiosk").get_data(as_text=True)
    # Nobody is logged in on the tablet.
    assert client.get("/me/shifts").status_code == 302


def test_an_ended_kiosk_opens_nothing(client, auth, booth):
    start_kiosk(client, auth, booth)
    assert client.post("/expo/kiosk/end").status_code == 302
    response = client.get("/expo/kiosk")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_forged_kiosk_session_is_refused(client, booth):
    with client.session_transaction() as session:
        session["kiosk"] = "made-up"
    response = client.get("/expo/kiosk")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_member_of_another_organisation_cannot_start_its_kiosk(client, auth, booth):
    factories.make_user(Role.ORGANIZER, email="outsider@example.org")
    db.session.commit()
    auth.login("outsider@example.org")
    url = f"/manage/organizations/{booth['organization'].id}/kiosk"
    assert client.post(url).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Kiosk.id))) == 0


def test_only_members_are_offered_the_kiosk_button(client, auth, booth):
    """Staff may open a dashboard, but only the organisation's members run its booth."""
    dashboard = f"/organizations/{booth['organization'].id}/dashboard"
    auth.login("member@example.org")
    assert 'data-testid="start-kiosk"' in client.get(dashboard).get_data(as_text=True)
    auth.logout()
    factories.make_user(Role.ORGANIZER, email="staff@example.org", is_staff=True)
    db.session.commit()
    auth.login("staff@example.org")
    page = client.get(dashboard)
    assert page.status_code == 200
    assert 'data-testid="start-kiosk"' not in page.get_data(as_text=True)


def test_a_returning_volunteer_scans_their_my_shifts_code(client, auth, app, booth):
    volunteer = factories.make_user(email="back@example.org", name="ชูใจ กลับมา")
    db.session.commit()
    phone_client = app.test_client()
    phone_client.post(
        "/login", data={"email": "back@example.org", "password": factories.PASSWORD}
    )
    my_shifts = phone_client.get("/me/shifts").get_data(as_text=True)
    token = re.search(r'data-returning-code="([^"]+)"', my_shifts).group(1)
    start_kiosk(client, auth, booth)
    assert client.post("/expo/kiosk/scan", data={"code": "forged"}).status_code == 422
    found = client.post("/expo/kiosk/scan", data={"code": token})
    assert found.status_code == 302
    assert "ชูใจ" in client.get("/expo/kiosk").get_data(as_text=True)
    done = client.post(f"/expo/kiosk/shifts/{booth['later'].id}", data={})
    assert done.status_code == 302
    walk_in = db.session.scalar(sa.select(WalkIn))
    assert walk_in.user_id == volunteer.id and walk_in.is_returning
    assert "ชูใจ" not in client.get("/expo/kiosk").get_data(as_text=True)


def test_a_returning_code_dies_with_the_sessions(app, booth):
    volunteer = factories.make_user(email="back@example.org")
    db.session.commit()
    with app.test_request_context():
        token = services.returning_token(volunteer)
        assert services.user_for_returning_token(token) == volunteer
        volunteer.end_all_sessions()
        assert services.user_for_returning_token(token) is None


def test_phone_and_one_time_code(client, auth, booth):
    volunteer = factories.make_user(email="otp@example.org", name="ใจดี มีสุข")
    volunteer.profile.phone = "+66812345678"
    db.session.commit()
    start_kiosk(client, auth, booth)
    # A number that is not ours: the same answer, nothing sent.
    unknown = client.post("/expo/kiosk/phone", data={"phone": "089 111 2222"})
    assert unknown.status_code == 302
    unknown_page = client.get(unknown.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(EmailOutbox.id))) == 0
    sent = client.post("/expo/kiosk/phone", data={"phone": "081-234-5678"})
    assert sent.headers["Location"] == unknown.headers["Location"]
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    strip = lambda text: re.sub(r'value="[^"]*"', "", text)  # noqa: E731
    assert strip(page) == strip(unknown_page)
    mail = db.session.scalar(sa.select(EmailOutbox))
    assert mail.to_email == "otp@example.org"
    code = re.search(r"\b(\d{6})\b", mail.subject).group(1)
    wrong = client.post("/expo/kiosk/phone/code", data={"code": "000000"})
    assert wrong.status_code == 200 and "ใจดี" not in wrong.get_data(as_text=True)
    right = client.post("/expo/kiosk/phone/code", data={"code": code})
    assert right.status_code == 302
    assert "ใจดี มีสุข" in client.get("/expo/kiosk").get_data(as_text=True)
    # A code works once.
    row = db.session.scalar(sa.select(PhoneCode).where(PhoneCode.used_at.isnot(None)))
    assert (
        row is not None and row.code_hash.count("$") == 1 and code not in row.code_hash
    )


def test_a_code_stops_working_after_five_wrong_tries(client, auth, booth):
    volunteer = factories.make_user(email="otp@example.org")
    volunteer.profile.phone = "+66812345678"
    db.session.commit()
    start_kiosk(client, auth, booth)
    client.post("/expo/kiosk/phone", data={"phone": "0812345678"})
    code = re.search(
        r"\b(\d{6})\b", db.session.scalar(sa.select(EmailOutbox)).subject
    ).group(1)
    for _ in range(services.PHONE_CODE_ATTEMPTS):
        client.post("/expo/kiosk/phone/code", data={"code": "000000"})
    client.post("/expo/kiosk/phone/code", data={"code": code})
    assert "kiosk-person" not in client.get("/expo/kiosk").get_data(as_text=True)


# --- Rate limits ---------------------------------------------------------------------


@pytest.fixture
def limited(make_app):
    def make(**settings):
        return make_app(RATELIMIT_ENABLED=True, **settings)

    return make


def test_walk_ins_are_limited_per_booth(limited, booth):
    app = limited(WALK_IN_LIMIT="2 per hour", REGISTRATION_LIMIT="100 per hour")
    organization = booth["organization"]
    url = f"/expo/walk-in/{organization.id}/shifts/{booth['later'].id}"
    statuses = []
    for n in range(3):
        client = app.test_client()  # three phones, three people
        statuses.append(
            client.post(
                url,
                data=form(phone=f"08123456{n:02d}"),
                environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"},
            ).status_code
        )
    assert statuses == [302, 302, 429]
    # Another booth is not affected.
    other = factories.make_organization()
    shift = factories.make_opportunity(other, starts=expo_start()).shifts[0]
    db.session.commit()
    client = app.test_client()
    response = client.post(f"/expo/walk-in/{other.id}/shifts/{shift.id}", data=form())
    assert response.status_code == 302


def test_one_time_codes_are_limited_per_booth(limited, booth):
    app = limited(WALK_IN_CODE_LIMIT="2 per hour")
    client = app.test_client()
    client.post(
        "/login", data={"email": "member@example.org", "password": factories.PASSWORD}
    )
    client.post(f"/manage/organizations/{booth['organization'].id}/kiosk")
    statuses = [
        client.post("/expo/kiosk/phone", data={"phone": "0812345678"}).status_code
        for _ in range(3)
    ]
    assert statuses == [302, 302, 429]


def test_every_walk_in_post_needs_the_csrf_token(client, auth, booth):
    url = f"/expo/walk-in/{booth['organization'].id}/shifts/{booth['later'].id}"
    assert client.post(url, data=form(), csrf=False).status_code == 400
    start_kiosk(client, auth, booth)
    for path, data in (
        (f"/expo/kiosk/shifts/{booth['running'].id}", form()),
        ("/expo/kiosk/phone", {"phone": "0812345678"}),
        ("/expo/kiosk/scan", {"code": "x"}),
        ("/expo/kiosk/next", {}),
        ("/expo/kiosk/end", {}),
    ):
        assert client.post(path, data=data, csrf=False).status_code == 400, path
    assert db.session.scalar(sa.select(sa.func.count(WalkIn.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(PhoneCode.id))) == 0


def test_erasure_removes_the_phone_codes_sent_to_the_person(client, auth, booth):
    from marketplace.privacy.services import erase_user

    volunteer = factories.make_user(email="otp@example.org")
    volunteer.profile.phone = "+66812345678"
    db.session.commit()
    start_kiosk(client, auth, booth)
    client.post("/expo/kiosk/phone", data={"phone": "0812345678"})
    assert db.session.scalar(sa.select(sa.func.count(PhoneCode.id))) == 1
    erase_user(volunteer, volunteer, "asked")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(PhoneCode.id))) == 0


def test_the_funnel_names_the_kiosk(app, booth):
    from marketplace.impact.funnel import booth_organization_ids

    class Row:
        key = f"kiosk:{booth['organization'].id}"

    class Funnel:
        by_source = [Row()]

    assert booth_organization_ids(Funnel()) == {booth["organization"].id}
