"""The offline gazetteer, its search, the geopy geocoders and distances."""

import json
import math
import time
from importlib import resources

import pytest
from geopy.geocoders import Nominatim
from geopy.location import Location
from geopy.point import Point

from marketplace.geo import (
    THAILAND_BOUNDS,
    OfflineGeocoder,
    Place,
    distance_km,
    get_geocoder,
    in_thailand,
    search_places,
    valid_coordinates,
)

# Bangkok (the BMA area) spans about 13.49-13.96 N, 100.33-100.94 E.
BANGKOK_BOX = (13.48, 13.97, 100.32, 100.95)

BANGKOK_DISTRICTS = {
    "พระนคร": "Phra Nakhon",
    "ดุสิต": "Dusit",
    "หนองจอก": "Nong Chok",
    "บางรัก": "Bang Rak",
    "บางเขน": "Bang Khen",
    "บางกะปิ": "Bang Kapi",
    "ปทุมวัน": "Pathum Wan",
    "ป้อมปราบศัตรูพ่าย": "Pom Prap Sattru Phai",
    "พระโขนง": "Phra Khanong",
    "มีนบุรี": "Min Buri",
    "ลาดกระบัง": "Lat Krabang",
    "ยานนาวา": "Yan Nawa",
    "สัมพันธวงศ์": "Samphanthawong",
    "พญาไท": "Phaya Thai",
    "ธนบุรี": "Thon Buri",
    "บางกอกใหญ่": "Bangkok Yai",
    "ห้วยขวาง": "Huai Khwang",
    "คลองสาน": "Khlong San",
    "ตลิ่งชัน": "Taling Chan",
    "บางกอกน้อย": "Bangkok Noi",
    "บางขุนเทียน": "Bang Khun Thian",
    "ภาษีเจริญ": "Phasi Charoen",
    "หนองแขม": "Nong Khaem",
    "ราษฎร์บูรณะ": "Rat Burana",
    "บางพลัด": "Bang Phlat",
    "ดินแดง": "Din Daeng",
    "บึงกุ่ม": "Bueng Kum",
    "สาทร": "Sathon",
    "บางซื่อ": "Bang Sue",
    "จตุจักร": "Chatuchak",
    "บางคอแหลม": "Bang Kho Laem",
    "ประเวศ": "Prawet",
    "คลองเตย": "Khlong Toei",
    "สวนหลวง": "Suan Luang",
    "จอมทอง": "Chom Thong",
    "ดอนเมือง": "Don Mueang",
    "ราชเทวี": "Ratchathewi",
    "ลาดพร้าว": "Lat Phrao",
    "วัฒนา": "Vadhana",
    "บางแค": "Bang Khae",
    "หลักสี่": "Lak Si",
    "สายไหม": "Sai Mai",
    "คันนายาว": "Khan Na Yao",
    "สะพานสูง": "Saphan Sung",
    "วังทองหลาง": "Wang Thonglang",
    "คลองสามวา": "Khlong Sam Wa",
    "บางนา": "Bang Na",
    "ทวีวัฒนา": "Thawi Watthana",
    "ทุ่งครุ": "Thung Khru",
    "บางบอน": "Bang Bon",
}

EXPO_LANDMARKS = [
    "CentralWorld",
    "Ratchaprasong",
    "Siam Paragon",
    "Siam Square",
    "Erawan Shrine",
    "Lumphini Park",
    "Pratunam",
    "BTS Chit Lom",
    "BTS Siam",
    "Gaysorn",
    "Big C Ratchadamri",
    "Pathumwan Intersection",
]


def load_records() -> list[dict]:
    """The raw gazetteer records, read straight from the data file."""
    data = resources.files("marketplace.geo").joinpath("data").joinpath("places.json")
    return json.loads(data.read_text(encoding="utf-8"))["places"]


def top(query: str) -> Place:
    """The best match of a query, which must exist."""
    found = search_places(query)
    assert found, f"nothing found for {query!r}"
    return found[0]


def test_records_have_every_field_and_a_known_kind() -> None:
    records = load_records()
    assert 1000 <= len(records) <= 2000
    assert len({r["id"] for r in records}) == len(records)
    for r in records:
        assert r["kind"] in {"province", "district", "landmark", "town"}
        for field in ("id", "name_th", "name_en", "province_th", "province_en"):
            assert isinstance(r[field], str) and r[field], (r["id"], field)
        assert isinstance(r["aliases"], list)
        assert all(isinstance(a, str) and a for a in r["aliases"])


def test_all_77_provinces_with_thai_and_english_names() -> None:
    provinces = [r for r in load_records() if r["kind"] == "province"]
    assert len(provinces) == 77
    assert len({p["name_th"] for p in provinces}) == 77
    assert len({p["name_en"] for p in provinces}) == 77
    for p in provinces:
        assert any("\u0e00" <= c <= "\u0e7f" for c in p["name_th"]), p
        assert p["name_en"].isascii(), p
        assert (p["province_th"], p["province_en"]) == (p["name_th"], p["name_en"])
    names = {p["name_en"] for p in provinces}
    assert {"Bangkok", "Chiang Mai", "Khon Kaen", "Bueng Kan", "Narathiwat"} <= names


def test_all_50_bangkok_districts_inside_bangkok() -> None:
    districts = {
        r["name_th"]: r
        for r in load_records()
        if r["kind"] == "district" and r["province_en"] == "Bangkok"
    }
    assert len(districts) == 50
    for name_th, name_en in BANGKOK_DISTRICTS.items():
        record = districts[name_th]
        assert record["name_en"] == name_en
        assert record["province_th"] == "กรุงเทพมหานคร"
        lat, lon = record["lat"], record["lon"]
        assert BANGKOK_BOX[0] <= lat <= BANGKOK_BOX[1], record
        assert BANGKOK_BOX[2] <= lon <= BANGKOK_BOX[3], record


def test_expo_landmarks_are_near_ratchaprasong() -> None:
    ratchaprasong = top("แยกราชประสงค์")
    for name in EXPO_LANDMARKS:
        place = top(name)
        assert place.kind == "landmark", name
        assert place.province_en == "Bangkok"
        assert any("\u0e00" <= c <= "\u0e7f" for c in place.name_th)
        km = distance_km(place.lat, place.lon, ratchaprasong.lat, ratchaprasong.lon)
        assert km < 2.5, (name, km)


def test_every_coordinate_lies_inside_thailand() -> None:
    for r in load_records():
        assert in_thailand(r["lat"], r["lon"]), r


@pytest.mark.parametrize(
    ("query", "place_id"),
    [
        ("ปทุมวัน", "district-1007"),
        ("Pathum Wan", "district-1007"),
        ("pathumwan", "district-1007"),
        ("เขตปทุมวัน", "district-1007"),
        ("  PATHUM-WAN ", "district-1007"),
        ("Pathum Wan, Bangkok", "district-1007"),
        ("ปทุมวัน กรุงเทพ", "district-1007"),
        ("เชียงใหม่", "province-50"),
        ("Chiang Mai", "province-50"),
        ("จังหวัดเชียงใหม่", "province-50"),
        ("เซ็นทรัลเวิลด์", "landmark-centralworld"),
        ("CentralWorld", "landmark-centralworld"),
        ("centralworld", "landmark-centralworld"),
        ("central world", "landmark-centralworld"),
        ("เซ็นทรัล", "landmark-centralworld"),
        ("จ.ขอนแก่น", "province-40"),
        ("จ. ขอนแก่น", "province-40"),
        ("เขตบางรัก", "district-1004"),
        ("Bang Rak", "district-1004"),
        ("กรุงเทพ", "province-10"),
        ("กรุงเทพฯ", "province-10"),
        ("กทม", "province-10"),
        ("Bangkok", "province-10"),
        ("Krung Thep", "province-10"),
        ("Chidlom", "landmark-bts-chit-lom"),
        ("ชิดลม", "landmark-bts-chit-lom"),
        ("สวนลุม", "landmark-lumphini-park"),
        ("อ.เมืองเชียงใหม่", "district-5001"),
        ("อำเภอหาดใหญ่", "district-9011"),
        ("Sathorn", "district-1028"),
        ("Korat", "province-30"),
    ],
)
def test_search_finds_the_right_place(query: str, place_id: str) -> None:
    assert top(query).id == place_id


@pytest.mark.parametrize("query", ["ไม่มีที่นี่", "Atlantis", "", "   ", "-.,", "\t\n"])
def test_unknown_or_empty_query_gives_nothing(query: str) -> None:
    assert search_places(query) == []


def test_search_ranks_exact_then_prefix_then_substring() -> None:
    found = search_places("ปทุมวัน")
    assert [p.id for p in found[:2]] == [
        "district-1007",
        "landmark-pathumwan-intersection",
    ]
    # Bangkok itself (prefix of the name) before Bang Na, Bang Rak (prefix too).
    assert search_places("Bang")[0].id == "province-10"
    # Province Chiang Mai (exact) before Mueang Chiang Mai (substring).
    ids = [p.id for p in search_places("Chiang Mai")]
    assert ids[0] == "province-50"
    assert ids.index("district-5001") > 0


def test_search_respects_limit_and_is_deterministic() -> None:
    assert len(search_places("บาง", limit=3)) == 3
    assert search_places("บาง", limit=0) == []
    assert search_places("บาง", limit=25) == search_places("บาง", limit=25)
    assert search_places("บาง", limit=25)[:3] == search_places("บาง", limit=3)


def test_search_is_fast() -> None:
    queries = ["ปทุมวัน", "Chiang Mai", "เซ็นทรัลเวิลด์", "บาง", "a", "Atlantis"]
    search_places("warm up")
    runs = 50
    start = time.perf_counter()
    for _ in range(runs):
        for query in queries:
            search_places(query)
    per_query_ms = (time.perf_counter() - start) * 1000 / (runs * len(queries))
    # About 0.05 ms on a developer machine; the bound leaves room for slow CI.
    assert per_query_ms < 1.0


def test_place_label_in_thai_and_english() -> None:
    district = top("Pathum Wan")
    assert district.label() == "ปทุมวัน, กรุงเทพมหานคร"
    assert district.label("th") == "ปทุมวัน, กรุงเทพมหานคร"
    assert district.label("en") == "Pathum Wan, Bangkok"
    assert district.label("en-GB") == "Pathum Wan, Bangkok"
    province = top("Chiang Mai")
    assert province.label("th") == "เชียงใหม่"
    assert province.label("en") == "Chiang Mai"


def test_place_is_frozen() -> None:
    place = top("Bangkok")
    with pytest.raises(AttributeError):
        place.lat = 0.0  # type: ignore[misc]


def test_offline_geocoder_returns_geopy_locations() -> None:
    geocoder = get_geocoder()
    assert isinstance(geocoder, OfflineGeocoder)
    location = geocoder.geocode("เซ็นทรัลเวิลด์")
    assert isinstance(location, Location)
    assert location.address == "เซ็นทรัลเวิลด์, กรุงเทพมหานคร"
    assert location.latitude == pytest.approx(13.7466, abs=0.01)
    assert location.longitude == pytest.approx(100.5393, abs=0.01)
    assert location.raw["id"] == "landmark-centralworld"
    assert location.raw["name_en"] == "CentralWorld"
    assert "aliases" in location.raw


def test_offline_geocoder_lists_and_misses() -> None:
    geocoder = OfflineGeocoder()
    many = geocoder.geocode("บาง", exactly_one=False, limit=4)
    assert isinstance(many, list) and len(many) == 4
    assert all(isinstance(loc, Location) for loc in many)
    assert geocoder.geocode("Atlantis") is None
    assert geocoder.geocode("Atlantis", exactly_one=False) is None
    # The raw dict is a copy: changing it leaves the gazetteer alone.
    geocoder.geocode("Bangkok").raw["name_en"] = "changed"
    assert geocoder.geocode("Bangkok").raw["name_en"] == "Bangkok"


def test_reverse_finds_a_nearby_place() -> None:
    geocoder = OfflineGeocoder()
    at_centralworld = geocoder.reverse("13.7466, 100.5393")
    assert isinstance(at_centralworld, Location)
    assert at_centralworld.raw["id"] == "landmark-centralworld"
    near_chiang_mai = geocoder.reverse(Point(18.80, 98.99))
    assert near_chiang_mai.raw["province_en"] == "Chiang Mai"
    nearby = geocoder.reverse((13.80, 100.60), exactly_one=False)
    assert len(nearby) > 1
    distances = [
        distance_km(13.80, 100.60, loc.latitude, loc.longitude) for loc in nearby
    ]
    assert distances == sorted(distances)
    assert distances[0] < 5
    assert geocoder.reverse((51.5, -0.12)) is None  # London: nothing near


def test_reverse_rejects_invalid_points() -> None:
    with pytest.raises(ValueError):
        OfflineGeocoder().reverse("not a point")


def test_offline_geocoder_never_uses_the_network() -> None:
    geocoder = OfflineGeocoder()
    with pytest.raises(Exception, match="does not fetch"):
        geocoder.adapter.get_json(
            "https://nominatim.openstreetmap.org/", timeout=1, headers={}
        )


def test_get_geocoder_by_name() -> None:
    assert isinstance(get_geocoder("offline"), OfflineGeocoder)
    nominatim = get_geocoder("nominatim", user_agent="gsm-test")
    assert isinstance(nominatim, Nominatim)
    assert nominatim.headers["User-Agent"] == "gsm-test"
    assert isinstance(get_geocoder(" Offline "), OfflineGeocoder)
    with pytest.raises(ValueError):
        get_geocoder("google")


def test_distance_centralworld_to_chiang_mai_is_plausible() -> None:
    centralworld = top("CentralWorld")
    chiang_mai = top("Chiang Mai")
    km = distance_km(centralworld.lat, centralworld.lon, chiang_mai.lat, chiang_mai.lon)
    assert 560 < km < 600
    assert distance_km(13.7466, 100.5393, 13.7466, 100.5393) == 0
    with pytest.raises(ValueError):
        distance_km(91, 0, 0, 0)


def test_bounds_and_coordinate_validation() -> None:
    assert THAILAND_BOUNDS.min_lat < THAILAND_BOUNDS.max_lat
    assert THAILAND_BOUNDS.min_lon < THAILAND_BOUNDS.max_lon
    assert in_thailand(13.7466, 100.5393)
    assert in_thailand(5.7, 101.1)  # Betong, the southern tip
    assert in_thailand(20.4, 99.9)  # Mae Sai, the northern tip
    assert not in_thailand(51.5, -0.12)
    assert not in_thailand(1.29, 103.85)  # Singapore
    assert valid_coordinates(-90, 180)
    assert valid_coordinates(13, 100)
    assert not valid_coordinates(90.0001, 0)
    assert not valid_coordinates(0, -180.5)
    assert not valid_coordinates(math.nan, 0)
    assert not valid_coordinates(0, math.inf)
    assert not valid_coordinates(True, 0)
    assert not valid_coordinates("13.7", "100.5")  # type: ignore[arg-type]
    assert not valid_coordinates(None, None)  # type: ignore[arg-type]
