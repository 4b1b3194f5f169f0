"""Place lookup for what Thais type: abbreviations, soi numbers, full addresses."""

import pytest

from marketplace.geo import place_name, search_places, suggest_places
from marketplace.geo.gazetteer import expand_abbreviations, query_variants


@pytest.mark.parametrize(
    ("typed", "written_out"),
    [
        ("ม.ขอนแก่น", "มหาวิทยาลัยขอนแก่น"),
        ("ม. มหิดล", "มหาวิทยาลัยมหิดล"),
        ("จ.เชียงใหม่", "จังหวัดเชียงใหม่"),
        ("อ.เมือง", "อำเภอเมือง"),
        ("ต.สุเทพ", "ตำบลสุเทพ"),
        ("ซ.ลาดพร้าว 71", "ซอยลาดพร้าว 71"),
        ("ถ.สุขุมวิท", "ถนนสุขุมวิท"),
        ("รพ.ศิริราช", "โรงพยาบาลศิริราช"),
        ("เขตบางรัก กทม.", "เขตบางรัก กรุงเทพมหานคร "),
        ("99/1 ม.5", "99/1 หมู่ 5"),  # ม. before a number is a village (หมู่)
        ("ชุมชนคลองเตย", "ชุมชนคลองเตย"),  # ม inside a word is not an abbreviation
        ("Lat Phrao", "Lat Phrao"),
    ],
)
def test_abbreviations_are_written_out(typed: str, written_out: str) -> None:
    assert expand_abbreviations(typed) == written_out


def test_variants_start_with_the_text_and_drop_qualifiers_and_numbers() -> None:
    assert query_variants("ปทุมวัน") == ["ปทุมวัน"]
    assert query_variants("ลาดพร้าว 71") == ["ลาดพร้าว 71", "ลาดพร้าว"]
    assert query_variants("ม.ขอนแก่น") == ["ม.ขอนแก่น", "มหาวิทยาลัยขอนแก่น", "ขอนแก่น"]
    assert query_variants("อ.เมือง จ.เชียงใหม่") == [
        "อ.เมือง จ.เชียงใหม่",
        "เมือง เชียงใหม่",
        "เมือง",
        "เชียงใหม่",
    ]
    assert query_variants("Soi Lat Phrao 71") == ["Soi Lat Phrao 71", "Lat Phrao"]


@pytest.mark.parametrize(
    ("typed", "place_id"),
    [
        ("กทม.", "province-10"),
        ("ลาดพร้าว 71", "district-1038"),
        ("ซ.ลาดพร้าว 71", "district-1038"),
        ("ซอยลาดพร้าว71", "district-1038"),
        ("ลาดพร้าว ซอย 71", "district-1038"),
        ("Soi Lat Phrao 71", "district-1038"),
        ("อ.เมือง จ.เชียงใหม่", "district-5001"),
        ("อ.เมืองเชียงใหม่ จ.เชียงใหม่", "district-5001"),
        ("99/1 ม.5 ต.สุเทพ อ.เมือง จ.เชียงใหม่", "district-5001"),
        ("เขตบางรัก กทม.", "district-1004"),
        ("บางรัก, กทม", "district-1004"),
        ("ม.ขอนแก่น", "province-40"),  # the place the university is named after
    ],
)
def test_lookup_understands_what_thais_type(typed: str, place_id: str) -> None:
    assert search_places(typed, limit=1)[0].id == place_id


def test_a_word_alone_is_looked_up_only_in_the_province_named() -> None:
    found = search_places("อ.เมือง จ.เชียงใหม่", limit=5)
    assert {place.province_en for place in found} == {"Chiang Mai"}


def test_unknown_places_stay_unknown_and_suggestions_are_close() -> None:
    assert search_places("ถ.สุขุมวิท") == []  # roads are not in the gazetteer
    assert search_places("Atlantis 71") == []
    assert search_places("เชียงไหม่") == []
    assert suggest_places("เชียงไหม่")[0].id == "province-50"
    # No nonsense from a two-letter prefix, nor from a bare village number.
    assert suggest_places("ม.5") == []
    assert suggest_places("ถ.สุขุมวิท") == []


def test_place_names_follow_the_reader() -> None:
    assert place_name("ปทุมวัน, กรุงเทพมหานคร", "en") == "Pathum Wan, Bangkok"
    assert place_name("กรุงเทพมหานคร", "en") == "Bangkok"
    assert place_name("ปทุมวัน, กรุงเทพมหานคร", "th") == "ปทุมวัน, กรุงเทพมหานคร"
    # A label someone typed keeps its words; the known parts are translated.
    assert place_name("อาคาร ก, ปทุมวัน, กรุงเทพมหานคร", "en") == (
        "อาคาร ก, Pathum Wan, Bangkok"
    )
    assert place_name(None, "en") == "" and place_name("Somewhere", "en") == "Somewhere"


def test_long_or_repeated_input_stays_quick() -> None:
    """A search box may get 200 characters: variants and suggestions are capped."""
    import time

    search_places("warm up")
    queries = ["ม." * 100, "ก" * 200, " ".join(["เชียงไหม่"] * 20), "บางนา 7 " * 25]
    start = time.perf_counter()
    for query in queries:
        search_places(query)
        suggest_places(query)
    per_query_ms = (time.perf_counter() - start) * 1000 / len(queries)
    assert per_query_ms < 50  # about 1 ms; 900 ms before the caps
