"""API.md "Volunteer profile", "Opportunities and shifts" and "Applications"."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from geopy.distance import geodesic

from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    ApprovalMode,
    Notification,
    OpportunityStatus,
    Role,
    Shift,
    utcnow,
)
from tests import factories
from tests.functional.test_api_accounts import bearer, error_of, login_token

PROFILE = {
    "skills": ["first-aid", "teaching"],
    "causes": ["education"],
    "availability": [
        {"weekday": 5, "start": "09:00", "end": "12:00"},
        {"weekday": 5, "start": "13:00", "end": "17:00"},
    ],
    "location": {"lat": 13.7466, "lon": 100.5393},
    "max_distance_km": 15,
    "remote_ok": True,
    "languages": ["th", "en"],
    "bio": "ชอบสอนหนังสือ",
}


@pytest.fixture
def organization():
    organizer = factories.make_user(Role.ORGANIZER, email="o@example.org")
    organization = factories.make_organization(members=[organizer])
    db.session.commit()
    return organization


def test_profile_round_trip(api, api_volunteer):
    _, headers = api_volunteer
    response = api.put("/api/v1/me/profile", json=PROFILE, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["location"]["label"]
    assert body["location"]["lat"] == pytest.approx(13.7466)
    assert {k: v for k, v in body.items() if k != "location"} == {
        k: v for k, v in PROFILE.items() if k != "location"
    }
    assert api.get("/api/v1/me/profile", headers=headers).get_json() == body


def test_profile_place_in_thai_is_geocoded(api, api_volunteer):
    _, headers = api_volunteer
    profile = {**PROFILE, "location": {"place": "ปทุมวัน"}}
    body = api.put("/api/v1/me/profile", json=profile, headers=headers).get_json()
    assert body["location"]["label"].startswith("ปทุมวัน")
    assert body["location"]["lat"] == pytest.approx(13.74, abs=0.05)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"skills": ["juggling-fire"]}, "skills"),
        ({"causes": ["no-such-cause"]}, "causes"),
        ({"location": {"place": "Atlantis"}}, "location"),
        ({"location": {"lat": 91, "lon": 100}}, "location"),
        ({"location": {"lat": 13, "lon": 181}}, "location"),
        (
            {"availability": [{"weekday": 1, "start": "12:00", "end": "09:00"}]},
            "availability",
        ),
        (
            {"availability": [{"weekday": 7, "start": "09:00", "end": "10:00"}]},
            "availability",
        ),
        (
            {"availability": [{"weekday": 1, "start": "9am", "end": "10:00"}]},
            "availability",
        ),
        ({"languages": ["klingon"]}, "languages"),
        ({"max_distance_km": -5}, "max_distance_km"),
    ],
)
def test_profile_bad_input_is_422_and_changes_nothing(
    api, api_volunteer, change, field
):
    _, headers = api_volunteer
    api.put("/api/v1/me/profile", json=PROFILE, headers=headers)
    before = api.get("/api/v1/me/profile", headers=headers).get_json()
    response = api.put(
        "/api/v1/me/profile", json={**PROFILE, **change}, headers=headers
    )
    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    assert api.get("/api/v1/me/profile", headers=headers).get_json() == before


def test_profile_is_for_volunteers_only(api):
    factories.make_user(Role.ORGANIZER, email="o@example.org")
    db.session.commit()
    headers = bearer(login_token(api, "o@example.org"))
    assert api.get("/api/v1/me/profile", headers=headers).status_code == 403
    assert (
        api.put("/api/v1/me/profile", json=PROFILE, headers=headers).status_code == 403
    )
    assert api.get("/api/v1/me/profile").status_code == 401


def test_list_and_get_opportunities(api, organization):
    opportunity = factories.make_opportunity(organization, shifts=2)
    factories.make_opportunity(organization, status=OpportunityStatus.DRAFT)
    db.session.commit()
    body = api.get("/api/v1/opportunities").get_json()
    assert body["total"] == 1 and body["page"] == 1 and body["per_page"] == 20
    item = body["items"][0]
    assert item["id"] == opportunity.id
    assert item["organization"] == {"id": organization.id, "name": organization.name_th}
    assert item["causes"] == ["education"] and item["skills"] == ["teaching"]
    assert item["distance_km"] is None and item["remote"] is False
    assert item["location"]["label"]
    assert len(item["shifts"]) == 2
    assert item["shifts"][0]["start"].endswith("+07:00")
    assert item["shifts"][0]["spots_left"] == 10
    assert (
        api.get(f"/api/v1/opportunities/{opportunity.id}").get_json()["id"]
        == opportunity.id
    )
    assert api.get("/api/v1/opportunities/999999").status_code == 404


def test_search_finds_thai_words_inside_titles(api, organization):
    factories.make_opportunity(organization, title="สอนการบ้านเด็กในชุมชนคลองเตย")
    factories.make_opportunity(
        organization, title="Beach clean-up at Bang Saen", description="Bring a hat."
    )
    db.session.commit()
    for query, expected in [
        ("การบ้าน", 1),
        ("คลองเตย", 1),
        ("beach CLEAN", 1),
        ("ทะเล", 0),
    ]:
        body = api.get("/api/v1/opportunities", query_string={"q": query}).get_json()
        assert body["total"] == expected, query


def test_search_filters(api, organization):
    soon = utcnow() + timedelta(days=3)
    later = utcnow() + timedelta(days=40)
    teach = factories.make_opportunity(organization, starts=soon)
    health = factories.make_opportunity(
        organization, causes=("health",), skills=("first-aid",), starts=later
    )
    remote = factories.make_opportunity(organization, starts=later)
    remote.remote, remote.lat, remote.lon = True, None, None
    db.session.commit()

    def ids(**query):
        body = api.get("/api/v1/opportunities", query_string=query).get_json()
        return {item["id"] for item in body["items"]}

    assert ids(cause="health") == {health.id}
    assert ids(skill=["first-aid", "web-development"]) == {health.id}
    assert ids(remote="true") == {remote.id}
    assert ids(remote="false") == {teach.id, health.id}
    day = (soon + timedelta(hours=7)).date().isoformat()
    assert ids(starts_after=day, starts_before=day) == {teach.id}
    assert ids(starts_after=(later - timedelta(days=1)).date().isoformat()) == {
        health.id,
        remote.id,
    }


def test_near_me_orders_by_distance_and_never_exceeds_the_radius(api, organization):
    places = {
        "centralworld": (13.7466, 100.5393),
        "lumphini": (13.7314, 100.5414),
        "don-mueang": (13.9126, 100.6068),
        "chiang-mai": (18.7883, 98.9853),
    }
    made = {}
    for name, (lat, lon) in places.items():
        opportunity = factories.make_opportunity(organization, title=name)
        opportunity.lat, opportunity.lon = lat, lon
        made[name] = opportunity
    db.session.commit()
    here = (13.7563, 100.5018)
    for radius in (3, 5, 20, 25, 1000):
        body = api.get(
            "/api/v1/opportunities",
            query_string={"near": f"{here[0]},{here[1]}", "within_km": radius},
        ).get_json()
        distances = [item["distance_km"] for item in body["items"]]
        assert distances == sorted(distances)
        for item in body["items"]:
            exact = geodesic(
                here, (item["location"]["lat"], item["location"]["lon"])
            ).km
            assert item["distance_km"] == pytest.approx(exact, rel=0.005)
            assert exact <= radius
        expected = {n for n, p in places.items() if geodesic(here, p).km <= radius}
        assert {item["title"] for item in body["items"]} == expected, radius


@pytest.mark.parametrize(
    "query",
    [
        {"near": "13.7"},
        {"near": "abc,def"},
        {"near": "95,100"},
        {"starts_after": "next tuesday"},
        {"page": "0"},
        {"remote": "perhaps"},
    ],
)
def test_bad_search_parameters_are_400(api, query):
    response = api.get("/api/v1/opportunities", query_string=query)
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_unknown_search_slugs_are_422(api):
    response = api.get("/api/v1/opportunities", query_string={"cause": "nope"})
    assert response.status_code == 422
    assert "cause" in error_of(response)["fields"]


def test_first_come_accepts_then_waitlists(api, organization):
    shift = factories.make_opportunity(organization, capacity=1).shifts[0]
    headers = []
    for number in range(3):
        factories.make_user(email=f"v{number}@example.org")
    db.session.commit()
    for number in range(3):
        headers.append(bearer(login_token(api, f"v{number}@example.org")))
    statuses = [
        api.post(f"/api/v1/shifts/{shift.id}/applications", json={}, headers=h)
        for h in headers
    ]
    assert [r.status_code for r in statuses] == [201, 201, 201]
    assert [r.get_json()["status"] for r in statuses] == [
        "accepted",
        "waitlisted",
        "waitlisted",
    ]
    assert statuses[0].get_json()["shift_id"] == shift.id


def test_apply_and_withdraw_answer_in_one_transaction(
    api, organization, api_volunteer, held_jobs
):
    shift = factories.make_opportunity(organization).shifts[0]
    db.session.commit()
    _, headers = api_volunteer
    url = f"/api/v1/shifts/{shift.id}/applications"
    db.session.commit()  # the test's own reading above ends here
    begun = []

    def count(connection) -> None:
        begun.append(connection)

    sa.event.listen(db.engine, "begin", count)
    try:
        applied = api.post(url, json={}, headers=headers)
        assert applied.status_code == 201 and len(begun) == 1
        url = f"/api/v1/applications/{applied.get_json()['id']}/withdraw"
        withdrawn = api.post(url, headers=headers)
        assert withdrawn.get_json()["status"] == "withdrawn"
        # The answers are written before the commit, not read back after it in a
        # second transaction (the deliveries wait in the queue).
        assert len(begun) == 2
    finally:
        sa.event.remove(db.engine, "begin", count)


def test_review_mode_makes_pending(api, organization, api_volunteer):
    _, headers = api_volunteer
    shift = factories.make_opportunity(
        organization, approval_mode=ApprovalMode.REVIEW
    ).shifts[0]
    db.session.commit()
    response = api.post(
        f"/api/v1/shifts/{shift.id}/applications",
        json={"message": "สนใจค่ะ"},
        headers=headers,
    )
    assert response.status_code == 201
    assert response.get_json()["status"] == "pending"
    db.session.expire_all()
    assert db.session.get(Shift, shift.id).spots_taken == 0


def test_apply_conflicts(api, organization, api_volunteer):
    _, headers = api_volunteer
    start = utcnow() + timedelta(days=5)
    first = factories.make_opportunity(organization, starts=start).shifts[0]
    overlapping = factories.make_opportunity(
        organization, title="งานซ้อนเวลา", starts=start + timedelta(hours=1)
    ).shifts[0]
    closed = factories.make_opportunity(organization, status=OpportunityStatus.CLOSED)
    db.session.commit()

    def apply(shift_id):
        return api.post(
            f"/api/v1/shifts/{shift_id}/applications", json={}, headers=headers
        )

    assert apply(first.id).status_code == 201
    again = apply(first.id)
    assert again.status_code == 409 and error_of(again)["code"] == "already_applied"
    clash = apply(overlapping.id)
    assert clash.status_code == 409 and error_of(clash)["code"] == "shift_overlap"
    assert "สอนการบ้านเด็ก" in error_of(clash)["message"]
    shut = apply(closed.shifts[0].id)
    assert shut.status_code == 409 and error_of(shut)["code"] == "shift_closed"
    assert apply(999999).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 1


def test_started_shift_is_closed(api, organization, api_volunteer):
    _, headers = api_volunteer
    shift = factories.make_opportunity(
        organization, starts=utcnow() - timedelta(hours=1), hours=3
    ).shifts[0]
    db.session.commit()
    response = api.post(
        f"/api/v1/shifts/{shift.id}/applications", json={}, headers=headers
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "shift_closed"


def test_withdraw_frees_the_spot_and_promotes_the_earliest(api, organization):
    shift = factories.make_opportunity(organization, capacity=1).shifts[0]
    for number in range(3):
        factories.make_user(email=f"v{number}@example.org")
    db.session.commit()
    headers = [bearer(login_token(api, f"v{n}@example.org")) for n in range(3)]
    ids = [
        api.post(
            f"/api/v1/shifts/{shift.id}/applications", json={}, headers=h
        ).get_json()["id"]
        for h in headers
    ]
    response = api.post(f"/api/v1/applications/{ids[0]}/withdraw", headers=headers[0])
    assert response.status_code == 200
    assert response.get_json()["status"] == "withdrawn"
    mine = api.get("/api/v1/me/applications", headers=headers[1]).get_json()["items"]
    assert [a["status"] for a in mine] == ["accepted"]
    still = api.get("/api/v1/me/applications", headers=headers[2]).get_json()["items"]
    assert [a["status"] for a in still] == ["waitlisted"]
    note = db.session.scalar(
        sa.select(Notification).where(Notification.kind != "application_received")
    )
    assert (
        note.kind == "promoted_from_waitlist" and note.data["application_id"] == ids[1]
    )
    db.session.expire_all()
    assert db.session.get(Shift, shift.id).spots_taken == 1
    # Withdrawn twice is a conflict; after withdrawing one may apply again.
    twice = api.post(f"/api/v1/applications/{ids[0]}/withdraw", headers=headers[0])
    assert twice.status_code == 409 and error_of(twice)["code"] == "invalid_status"
    again = api.post(
        f"/api/v1/shifts/{shift.id}/applications", json={}, headers=headers[0]
    )
    assert again.status_code == 201
    # The withdrawn application is reopened (same id), and the spot it left is
    # taken, so it goes to the waitlist.
    assert again.get_json() == {
        "id": ids[0],
        "shift_id": shift.id,
        "opportunity_id": shift.opportunity_id,
        "status": "waitlisted",
        "message": "",
        "attendance": None,
        "hours": None,
        "answers": {},
    }


def test_nobody_withdraws_someone_elses_application(api, organization):
    shift = factories.make_opportunity(organization).shifts[0]
    factories.make_user(email="a@example.org")
    factories.make_user(email="b@example.org")
    db.session.commit()
    a = bearer(login_token(api, "a@example.org"))
    b = bearer(login_token(api, "b@example.org"))
    own = api.post(f"/api/v1/shifts/{shift.id}/applications", json={}, headers=a)
    response = api.post(
        f"/api/v1/applications/{own.get_json()['id']}/withdraw", headers=b
    )
    assert response.status_code == 404
    assert (
        db.session.scalar(sa.select(Application.status)) is ApplicationStatus.ACCEPTED
    )


def test_organizers_cannot_apply(api, organization):
    shift = factories.make_opportunity(organization).shifts[0]
    db.session.commit()
    headers = bearer(login_token(api, "o@example.org"))
    response = api.post(
        f"/api/v1/shifts/{shift.id}/applications", json={}, headers=headers
    )
    assert response.status_code == 403


def test_my_applications_lists_upcoming_first(api, organization, api_volunteer):
    _, headers = api_volunteer
    late = factories.make_opportunity(
        organization, starts=utcnow() + timedelta(days=20)
    )
    soon = factories.make_opportunity(organization, starts=utcnow() + timedelta(days=2))
    db.session.commit()
    for opportunity in (late, soon):
        api.post(
            f"/api/v1/shifts/{opportunity.shifts[0].id}/applications",
            json={},
            headers=headers,
        )
    items = api.get("/api/v1/me/applications", headers=headers).get_json()["items"]
    assert [item["opportunity_id"] for item in items] == [soon.id, late.id]
    assert set(items[0]) >= {
        "id",
        "shift_id",
        "opportunity_id",
        "status",
        "attendance",
        "hours",
    }


def test_openapi_describes_the_volunteer_operations(api):
    paths = api.get("/api/openapi.json").get_json()["paths"]
    for path, method in [
        ("/api/v1/me/profile", "get"),
        ("/api/v1/me/profile", "put"),
        ("/api/v1/opportunities", "get"),
        ("/api/v1/opportunities/{opportunity_id}", "get"),
        ("/api/v1/shifts/{shift_id}/applications", "post"),
        ("/api/v1/me/applications", "get"),
        ("/api/v1/applications/{application_id}/withdraw", "post"),
    ]:
        assert method in paths[path], (path, method)
    search = paths["/api/v1/opportunities"]["get"]["parameters"]
    assert {"q", "cause", "skill", "near", "within_km", "remote"} <= {
        p["name"] for p in search
    }
