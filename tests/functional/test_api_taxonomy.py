"""API.md "Taxonomy and places"."""

FIXED_CAUSES = {"education", "health", "anti-corruption", "environment", "disability"}


def test_causes(api):
    body = api.get("/api/v1/causes?per_page=100").get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    slugs = {item["slug"] for item in body["items"]}
    assert slugs >= FIXED_CAUSES
    assert all(item["name_th"] and item["name_en"] for item in body["items"])


def test_skills_are_paginated(api):
    first = api.get("/api/v1/skills").get_json()
    assert first["total"] >= 40
    assert first["page"] == 1 and first["per_page"] == 20 and len(first["items"]) == 20
    everything = api.get("/api/v1/skills?per_page=1000").get_json()
    assert everything["per_page"] == 100
    assert len(everything["items"]) == first["total"]
    slugs = {item["slug"] for item in everything["items"]}
    assert {"first-aid", "teaching"} <= slugs


def test_bad_paging_is_a_400(api):
    for query in ("page=0", "page=abc", "per_page=-1"):
        response = api.get(f"/api/v1/skills?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["error"]["code"] == "bad_request"


def test_places_in_thai_and_english(api):
    thai = api.get("/api/v1/places?q=ปทุมวัน").get_json()["items"]
    english = api.get("/api/v1/places?q=Pathum Wan").get_json()["items"]
    assert thai and english
    assert thai[0]["province"] == "กรุงเทพมหานคร"
    assert abs(thai[0]["lat"] - 13.74) < 0.05 and abs(thai[0]["lon"] - 100.53) < 0.05
    assert (thai[0]["lat"], thai[0]["lon"]) == (english[0]["lat"], english[0]["lon"])
    assert api.get("/api/v1/places?q=เชียงใหม่").get_json()["items"]


def test_places_carry_an_english_label_for_english_pages(api, app):
    from marketplace.locations import geocode_place

    place = api.get("/api/v1/places?q=ปทุมวัน").get_json()["items"][0]
    assert place["label"] == "ปทุมวัน, กรุงเทพมหานคร"  # the contract's field, as is
    assert place["label_en"] == "Pathum Wan, Bangkok"
    province = api.get("/api/v1/places?q=เชียงใหม่").get_json()["items"][0]
    assert (province["label"], province["label_en"]) == ("เชียงใหม่", "Chiang Mai")
    # An English suggestion, once chosen, is found again when the form is sent.
    with app.test_request_context():
        found = geocode_place(place["label_en"])
    assert found is not None
    assert (round(found.lat, 3), round(found.lon, 3)) == (
        round(place["lat"], 3),
        round(place["lon"], 3),
    )


def test_unknown_place_gives_no_items(api):
    body = api.get("/api/v1/places?q=Atlantis").get_json()
    assert body["items"] == [] and body["total"] == 0
    assert api.get("/api/v1/places").get_json()["items"] == []
