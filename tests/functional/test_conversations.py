"""Messages to a shift: who may write, who gets it, replies, the inbox, privacy."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.conversations import services
from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    ConversationRead,
    EmailOutbox,
    MessageKind,
    MessageRecipient,
    Notification,
    Role,
    Shift,
    ShiftLead,
    ShiftMessage,
    utcnow,
)
from marketplace.privacy.services import erase_user, export_user_data
from tests import factories
from tests.functional.test_api_accounts import bearer, login_token

STATUSES = {
    "held_a": ApplicationStatus.APPROVED,
    "held_b": ApplicationStatus.ACCEPTED,
    "waiting": ApplicationStatus.WAITLISTED,
    "pending": ApplicationStatus.PENDING,
    "declined": ApplicationStatus.DECLINED,
}


def _place(shift: Shift, volunteer, status: ApplicationStatus) -> Application:
    application = Application(
        shift_id=shift.id, volunteer_id=volunteer.id, status=status
    )
    if status.holds_spot:
        shift.spots_taken += 1
    db.session.add(application)
    return application


@pytest.fixture
def world(app):
    """A shift starting in two hours with volunteers in every state, and a lead."""
    people = {
        "member": factories.make_user(
            Role.ORGANIZER, email="member@example.org", name="คุณประสาน"
        ),
        "member2": factories.make_user(
            Role.ORGANIZER, email="member2@example.org", name="คุณสอง"
        ),
        "other": factories.make_user(Role.ORGANIZER, email="other@example.org"),
        "staff": factories.make_user(
            Role.ORGANIZER, email="staff@example.org", is_staff=True
        ),
        "lead": factories.make_user(email="lead@example.org", name="หัวหน้ากะ ลีด"),
        "other_lead": factories.make_user(email="olead@example.org", name="ลีดอื่น"),
    }
    for key, name in [
        ("held_a", "อาสา เอกชัย"),
        ("held_b", "อาสา บุษบา"),
        ("waiting", "อาสา รอคิว"),
        ("pending", "อาสา รอพิจารณา"),
        ("declined", "อาสา ปฏิเสธ"),
    ]:
        people[key] = factories.make_user(email=f"{key}@example.org", name=name)
    people["held_b"].profile.phone = "0812345678"
    organization = factories.make_organization(
        members=[people["member"], people["member2"]]
    )
    factories.make_organization(members=[people["other"]])
    starts = utcnow().replace(microsecond=0) + timedelta(hours=2)
    shift = factories.make_opportunity(organization, starts=starts, capacity=10).shifts[
        0
    ]
    other_shift = factories.make_opportunity(
        organization, title="อีกงาน", starts=starts + timedelta(days=1)
    ).shifts[0]
    for key, status in STATUSES.items():
        _place(shift, people[key], status)
    _place(shift, people["lead"], ApplicationStatus.APPROVED)
    db.session.add(ShiftLead(shift=shift, volunteer=people["lead"]))
    _place(other_shift, people["other_lead"], ApplicationStatus.APPROVED)
    db.session.add(ShiftLead(shift=other_shift, volunteer=people["other_lead"]))
    db.session.commit()
    return {"people": people, "shift": shift, "other_shift": other_shift}


def _headers(api, email: str) -> dict:
    return bearer(login_token(api, email))


def _send(api, headers, shift_id, body="พบกันที่ประตู 3 เวลา 8 โมงนะคะ", to="held"):
    return api.post(
        f"/api/v1/shifts/{shift_id}/messages",
        json={"body": body, "to": to},
        headers=headers,
    )


# --- Writing: who gets it -------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ("held", {"held_a", "held_b", "lead"}),
        ("waitlisted", {"waiting"}),
        ("all", {"held_a", "held_b", "lead", "waiting"}),
    ],
)
def test_a_member_reaches_exactly_the_group_chosen(api, world, to, expected):
    people = world["people"]
    response = _send(api, _headers(api, "member@example.org"), world["shift"].id, to=to)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["recipients"] == len(expected)
    message = db.session.get(ShiftMessage, body["id"])
    assert message.kind is MessageKind.MESSAGE and message.audience.value == to
    reached = set(
        db.session.scalars(
            sa.select(MessageRecipient.volunteer_id).where(
                MessageRecipient.message_id == message.id
            )
        )
    )
    assert reached == {people[key].id for key in expected}
    notified = set(
        db.session.scalars(
            sa.select(Notification.user_id).where(Notification.kind == "shift_message")
        )
    )
    assert notified == reached


def test_the_lead_writes_on_the_shift_day_without_messaging_themself(api, world):
    people = world["people"]
    response = _send(api, _headers(api, "lead@example.org"), world["shift"].id)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["recipients"] == 2  # held_a and held_b, not the lead
    note = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == people["held_a"].id)
    )
    # Volunteers hear "the shift lead", never another volunteer's name.
    assert note.data["sender"] == ""
    assert "ลีด" not in db.session.scalar(
        sa.select(EmailOutbox.body).where(EmailOutbox.user_id == people["held_a"].id)
    )


def test_the_message_tells_who_wrote_what_and_links_to_the_thread(api, world, app):
    people = world["people"]
    _send(api, _headers(api, "member@example.org"), world["shift"].id)
    email = db.session.scalar(
        sa.select(EmailOutbox).where(EmailOutbox.user_id == people["held_b"].id)
    )
    assert "คุณประสาน" in email.subject and "ประตู 3" in email.body
    from marketplace.notifications import KINDS

    kind = KINDS["shift_message"]
    assert kind.topic == "messages"
    endpoint, values = kind.link({"shift_id": world["shift"].id})
    with app.test_request_context():
        from flask import url_for

        assert url_for(endpoint, **values) == (
            f"/me/shifts/{world['shift'].id}/messages"
        )
        assert "LINE" in kind.next_step({})


def test_nobody_in_the_group_is_a_conflict_and_nothing_is_kept(api, world):
    shift = world["shift"]
    waiting = db.session.scalar(
        sa.select(Application).where(
            Application.shift_id == shift.id,
            Application.status == ApplicationStatus.WAITLISTED,
        )
    )
    waiting.status = ApplicationStatus.WITHDRAWN
    db.session.commit()
    response = _send(
        api, _headers(api, "member@example.org"), shift.id, to="waitlisted"
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "no_recipients"
    assert db.session.scalar(sa.select(sa.func.count(ShiftMessage.id))) == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "", "to": "held"}, "body"),
        ({"body": "   \n ", "to": "held"}, "body"),
        ({"body": "ก" * 2001, "to": "held"}, "body"),
        ({"to": "held"}, "body"),
        ({"body": "สวัสดี", "to": "everyone"}, "to"),
        ({"body": "สวัสดี"}, "to"),
        ({"body": 12, "to": "held"}, "body"),
    ],
)
def test_bad_messages_are_422_on_their_field(api, world, payload, field):
    response = api.post(
        f"/api/v1/shifts/{world['shift'].id}/messages",
        json=payload,
        headers=_headers(api, "member@example.org"),
    )
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "email", ["other@example.org", "staff@example.org", "olead@example.org"]
)
def test_outsiders_get_404_as_if_there_were_no_conversation(api, world, email):
    headers = _headers(api, email)
    shift_id = world["shift"].id
    assert _send(api, headers, shift_id).status_code == 404
    read = api.get(f"/api/v1/shifts/{shift_id}/messages", headers=headers)
    assert read.status_code == 404


def test_a_volunteer_and_an_unknown_shift_get_404_anonymous_401(api, world):
    headers = _headers(api, "held_a@example.org")
    assert _send(api, headers, world["shift"].id).status_code == 404
    member = _headers(api, "member@example.org")
    assert _send(api, member, 999999).status_code == 404
    assert api.get("/api/v1/shifts/999999/messages", headers=member).status_code == 404
    assert _send(api, {}, world["shift"].id).status_code == 401


def test_a_lead_on_another_day_hears_why(api, world):
    shift = world["shift"]
    shift.starts_at += timedelta(days=3)
    shift.ends_at += timedelta(days=3)
    db.session.commit()
    response = _send(api, _headers(api, "lead@example.org"), shift.id)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_shift_day"


def test_a_browser_needs_the_csrf_token(client, auth, world):
    auth.login("member@example.org")
    url = f"/api/v1/shifts/{world['shift'].id}/messages"
    refused = client.post(url, json={"body": "x", "to": "held"}, csrf=False)
    assert refused.status_code == 400
    page = client.post(
        f"/manage/shifts/{world['shift'].id}/messages",
        data={"body": "x", "to": "held"},
        csrf=False,
    )
    assert page.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(ShiftMessage.id))) == 0
    sent = client.post(url, json={"body": "x", "to": "held"})
    assert sent.status_code == 201


def test_sending_is_rate_limited_and_only_what_was_sent_counts(api, world, app):
    app.config["SHIFT_MESSAGE_LIMIT"] = "2 per hour"
    headers = _headers(api, "member@example.org")
    shift_id = world["shift"].id
    assert _send(api, headers, shift_id, body="").status_code == 422
    assert _send(api, headers, shift_id).status_code == 201
    assert _send(api, headers, shift_id).status_code == 201
    limited = _send(api, headers, shift_id)
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    # Another member has their own allowance.
    assert _send(api, _headers(api, "member2@example.org"), shift_id).status_code == 201


def test_the_pages_share_the_limit_and_refused_sends_do_not_count(
    client, auth, world, app
):
    app.config["SHIFT_MESSAGE_LIMIT"] = "1 per hour"
    shift = world["shift"]
    auth.login("member@example.org")
    url = f"/manage/shifts/{shift.id}/messages"
    opportunity_url = f"/manage/opportunities/{shift.opportunity_id}/messages"
    # Nobody waits on the other opportunity's shift: refused, and not counted.
    other_id = world["other_shift"].opportunity_id
    other = client.post(
        f"/manage/opportunities/{other_id}/messages",
        data={"to": "waitlisted", "body": "x"},
    )
    assert other.status_code == 302
    assert client.post(url, data={"to": "held", "body": ""}).status_code == 422
    assert client.post(url, data={"to": "held", "body": "ครั้งเดียว"}).status_code == 302
    assert client.post(url, data={"to": "held", "body": "อีกครั้ง"}).status_code == 429
    again = client.post(opportunity_url, data={"to": "held", "body": "ทุกกะ"})
    assert again.status_code == 429
    assert db.session.scalar(sa.select(sa.func.count(ShiftMessage.id))) == 1


# --- Reading the conversation ---------------------------------------------------------


def test_the_conversation_lists_messages_and_replies_oldest_first(api, world):
    people, shift = world["people"], world["shift"]
    sent = _send(api, _headers(api, "member@example.org"), shift.id, to="all")
    services.reply(people["held_a"], shift, "  รับทราบครับ  ")
    db.session.commit()
    response = api.get(
        f"/api/v1/shifts/{shift.id}/messages",
        headers=_headers(api, "lead@example.org"),
    )
    assert response.status_code == 200
    page = response.get_json()
    assert (page["total"], page["page"], page["per_page"]) == (2, 1, 20)
    message, answer = page["items"]
    assert message["id"] == sent.get_json()["id"]
    assert message["kind"] == "message" and message["to"] == "all"
    assert message["recipients"] == 4 and message["volunteer"] is None
    assert message["author"] == {
        "id": people["member"].id,
        "display_name": "คุณประสาน",
    }
    assert answer["kind"] == "reply" and answer["body"] == "รับทราบครับ"
    assert answer["author"] is None and answer["to"] is None
    assert answer["recipients"] is None
    assert answer["volunteer"] == {
        "id": people["held_a"].id,
        "display_name": "อาสา เอกชัย",
    }
    assert message["created_at"].endswith("+07:00")


def test_a_volunteer_thread_shows_only_their_own_side(client, auth, world):
    people, shift = world["people"], world["shift"]
    services.send_to_shift(people["member"], shift, "เจอกันพรุ่งนี้", "all")
    services.reply(people["held_b"], shift, "ขอมาสาย 10 นาทีค่ะ")
    services.reply(people["held_a"], shift, "รับทราบครับ")
    db.session.commit()
    auth.login("held_a@example.org")
    page = client.get(f"/me/shifts/{shift.id}/messages")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "เจอกันพรุ่งนี้" in html and "รับทราบครับ" in html
    assert "คุณประสาน" in html  # the member who wrote is named
    for leak in ("ขอมาสาย", "อาสา บุษบา", "held_b@", "0812345678", "หัวหน้ากะ", "รอคิว"):
        assert leak not in html, leak
    my_shifts = client.get("/me/shifts").get_data(as_text=True)
    assert f"/me/shifts/{shift.id}/messages" in my_shifts
    for leak in ("ขอมาสาย", "อาสา บุษบา"):
        assert leak not in my_shifts


def test_a_volunteer_without_a_message_has_no_thread(client, auth, world):
    services.send_to_shift(world["people"]["member"], world["shift"], "สวัสดี", "held")
    db.session.commit()
    auth.login("pending@example.org")
    assert client.get(f"/me/shifts/{world['shift'].id}/messages").status_code == 404
    sent = client.post(
        f"/me/shifts/{world['shift'].id}/messages", data={"body": "แอบตอบ"}
    )
    assert sent.status_code == 404
    replies = sa.select(sa.func.count()).where(ShiftMessage.kind == MessageKind.REPLY)
    assert db.session.scalar(replies) == 0


def test_a_reply_on_the_page_is_unread_for_every_member_until_they_open_it(
    client, auth, world, make_app
):
    people, shift = world["people"], world["shift"]
    services.send_to_shift(people["member"], shift, "เจอกันพรุ่งนี้", "held")
    db.session.commit()
    auth.login("held_a@example.org")
    answered = client.post(f"/me/shifts/{shift.id}/messages", data={"body": "ไปครับ"})
    assert answered.status_code == 302
    member = client.application.test_client()
    member.post(
        "/login", data={"email": "member@example.org", "password": factories.PASSWORD}
    )
    organization_id = shift.opportunity.organization_id
    inbox = member.get(f"/organizations/{organization_id}/inbox")
    assert f'data-testid="inbox-unread-{shift.id}"' in inbox.get_data(as_text=True)
    page = member.get(f"/manage/shifts/{shift.id}/messages").get_data(as_text=True)
    assert "ไปครับ" in page and 'data-testid="unread-' in page
    # Opened: read for this member, still unread for the other.
    assert services.unread_total(people["member"], organization_id) == 0
    assert services.unread_total(people["member2"], organization_id) == 2
    again = member.get(f"/manage/shifts/{shift.id}/messages").get_data(as_text=True)
    assert 'data-testid="unread-' not in again
    member.post(f"/manage/shifts/{shift.id}/messages/unread")
    assert services.unread_total(people["member"], organization_id) == 1


def test_replies_close_a_day_after_the_shift(client, auth, world):
    people, shift = world["people"], world["shift"]
    services.send_to_shift(people["member"], shift, "ขอบคุณทุกคน", "held")
    shift.starts_at -= timedelta(days=3)
    shift.ends_at -= timedelta(days=3)
    db.session.commit()
    auth.login("held_a@example.org")
    page = client.get(f"/me/shifts/{shift.id}/messages").get_data(as_text=True)
    assert 'data-testid="replies-closed"' in page
    late = client.post(f"/me/shifts/{shift.id}/messages", data={"body": "ช้าไป"})
    assert late.status_code == 422
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(ShiftMessage.kind == MessageKind.REPLY)
        )
        == 0
    )


def test_the_conversation_page_sends_and_shows_errors(client, auth, world):
    auth.login("member@example.org")
    url = f"/manage/shifts/{world['shift'].id}/messages"
    page = client.get(url).get_data(as_text=True)
    for label in ("ได้ที่แล้ว (3 คน)", "รายชื่อสำรอง (1 คน)", "ทั้งสองกลุ่ม (4 คน)"):
        assert label in page, label
    empty = client.post(url, data={"to": "held", "body": " "})
    assert empty.status_code == 422
    assert 'data-testid="error-body"' in empty.get_data(as_text=True)
    sent = client.post(
        url, data={"to": "all", "body": "นัดหมายใหม่"}, follow_redirects=True
    )
    assert "นัดหมายใหม่" in sent.get_data(as_text=True)
    assert db.session.scalar(sa.select(ShiftMessage.recipients)) == 4


def test_writing_to_an_opportunity_reaches_each_shift_not_yet_over(client, auth, app):
    member = factories.make_user(Role.ORGANIZER, email="m@example.org")
    organization = factories.make_organization(members=[member])
    opportunity = factories.make_opportunity(
        organization, starts=utcnow() - timedelta(days=7, hours=1), shifts=3
    )
    past, next_week, later = opportunity.shifts
    for number, shift in enumerate(opportunity.shifts):
        _place(shift, factories.make_user(), ApplicationStatus.APPROVED)
        if number == 2:
            _place(shift, factories.make_user(), ApplicationStatus.WAITLISTED)
    db.session.commit()
    auth.login("m@example.org")
    response = client.post(
        f"/manage/opportunities/{opportunity.id}/messages",
        data={"to": "all", "body": "อัปเดตสำหรับทุกกะ"},
    )
    assert response.status_code == 302
    by_shift = dict(
        db.session.execute(
            sa.select(ShiftMessage.shift_id, ShiftMessage.recipients)
        ).all()
    )
    assert by_shift == {next_week.id: 1, later.id: 2}
    nobody = client.post(
        f"/manage/opportunities/{opportunity.id}/messages",
        data={"to": "waitlisted", "body": "เฉพาะคิว"},
    )
    assert nobody.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ShiftMessage.id))) == 3


# --- file_reply (LINE's free text) ----------------------------------------------------


def test_file_reply_files_into_the_shift_that_wrote_last(world):
    people, shift, other = world["people"], world["shift"], world["other_shift"]
    volunteer = people["held_a"]
    now = utcnow()
    assert services.file_reply(volunteer, "มีใครอยู่ไหม", now) is None
    _place(other, volunteer, ApplicationStatus.APPROVED)
    services.send_to_shift(people["member"], shift, "ข้อความแรก", "held", now=now)
    services.send_to_shift(
        people["member"], other, "ข้อความหลัง", "held", now=now + timedelta(minutes=5)
    )
    filed = services.file_reply(volunteer, " ไปได้ครับ ", now + timedelta(minutes=6))
    assert filed.shift_id == other.id and filed.kind is MessageKind.REPLY
    assert filed.body == "ไปได้ครับ" and filed.author_id == volunteer.id
    # A shift over for more than a day takes no more replies: the other one does.
    other.starts_at, other.ends_at = now - timedelta(days=3), now - timedelta(days=2)
    db.session.flush()
    filed = services.file_reply(volunteer, "ก" * 3000, now + timedelta(minutes=7))
    assert filed.shift_id == shift.id and len(filed.body) == services.MAX_BODY
    assert services.file_reply(volunteer, "   ", now) is None
    # Nobody wrote to this volunteer: nothing to file into.
    assert services.file_reply(people["pending"], "สวัสดี", now) is None


# --- Pages stay cheap -----------------------------------------------------------------


def _busy(world, replies: int) -> None:
    people, shift = world["people"], world["shift"]
    for number in range(replies):
        services.send_to_shift(people["member"], shift, f"ข้อความ {number}", "all")
        services.reply(people["held_a"], shift, f"ตอบ {number}")
        other = factories.make_opportunity(
            shift.opportunity.organization, title=f"งาน {number}"
        ).shifts[0]
        _place(other, people["held_b"], ApplicationStatus.APPROVED)
        services.send_to_shift(people["member2"], other, "สวัสดี", "held")
    db.session.commit()


@pytest.mark.parametrize("page", ["conversation", "inbox", "thread"])
def test_conversation_pages_run_a_fixed_number_of_queries(
    client, auth, world, count_queries, page
):
    shift = world["shift"]
    email = "held_a@example.org" if page == "thread" else "member@example.org"
    url = {
        "conversation": f"/manage/shifts/{shift.id}/messages",
        "inbox": f"/organizations/{shift.opportunity.organization_id}/inbox",
        "thread": f"/me/shifts/{shift.id}/messages",
    }[page]
    auth.login(email)
    _busy(world, 1)
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _busy(world, 6)
    client.get(url)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), many


# --- Privacy --------------------------------------------------------------------------


def test_export_holds_the_messages_received_and_the_answers_given(world):
    people, shift = world["people"], world["shift"]
    services.send_to_shift(people["member"], shift, "เจอกันที่ประตู 3", "held")
    services.reply(people["held_a"], shift, "รับทราบครับ")
    db.session.commit()
    data = export_user_data(people["held_a"])
    (received,) = data["shift_messages_received"]
    assert received["body"] == "เจอกันที่ประตู 3"
    assert received["shift_id"] == shift.id and received["sent_at"]
    assert received["opportunity"] == shift.opportunity.title
    (answer,) = data["shift_replies"]
    assert answer["body"] == "รับทราบครับ" and answer["kind"] == "reply"
    assert export_user_data(people["held_b"])["shift_replies"] == []
    assert export_user_data(people["member"])["shift_replies"] == []


def test_erasure_removes_the_answers_and_what_reached_the_person(world):
    people, shift = world["people"], world["shift"]
    message = services.send_to_shift(people["member"], shift, "เจอกันนะ", "held")
    services.reply(people["held_a"], shift, "รับทราบครับ อาสา เอกชัย")
    services.reply(people["held_b"], shift, "ได้ค่ะ")
    services.mark_read(people["member"], shift, services.conversation(shift))
    db.session.commit()
    erase_user(people["held_a"], people["held_a"], "self")
    erase_user(people["member"], people["member"], "self")
    db.session.commit()
    bodies = set(db.session.scalars(sa.select(ShiftMessage.body)))
    assert bodies == {"เจอกันนะ", "ได้ค่ะ"}  # the member's message stays, anonymised
    reached = set(
        db.session.scalars(
            sa.select(MessageRecipient.volunteer_id).where(
                MessageRecipient.message_id == message.id
            )
        )
    )
    assert people["held_a"].id not in reached and people["held_b"].id in reached
    assert db.session.scalar(sa.select(sa.func.count(ConversationRead.id))) == 0
