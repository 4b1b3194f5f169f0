"""The offline gazetteer of Thailand: places and a fast Thai/English search.

The data file ``data/places.json`` is built by ``scripts/build_gazetteer.py``; it is
read on first use and kept in memory. Search normalises every name and alias once,
into a dict (exact matches) and two strings in rank order (names, aliases), so a query
is a dict lookup and a few ``str.find`` calls that stop once ``limit`` places are found.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["Place", "place_name", "query_variants", "search_places", "suggest_places"]

_KINDS = ("province", "landmark", "district", "town")
# Best first when a query matches several places equally well.
_KIND_RANK = {kind: rank for rank, kind in enumerate(_KINDS)}
# Best first when several places are equally near (the most specific).
_REVERSE_RANK = {"landmark": 0, "district": 1, "town": 2, "province": 3}

# Match tiers, best first: exact name, exact alias, then (in _ranked) name prefix,
# alias prefix, name substring, alias substring.
_EXACT, _EXACT_ALIAS = 0, 1  # the rest follow in _ranked

_SEPARATOR = "\x00"  # never part of a normalised key
_END = "\x01"  # nor this: ends a place's keys, so no match runs into the next
_SHORT_LEVEL = re.compile(r"^(?:จ|อ|ต|ข)\s*\.\s*")  # จ. อ. ต. ข. (with their dot)
_EN_LEVEL = re.compile(r"^(?:king\s+amphoe|amphoe|changwat|tambon|khwaeng|khet)\s+")
_EN_SUFFIX = re.compile(r"\s+(?:province|district|subdistrict)$")
_TH_LEVEL = tuple(
    unicodedata.normalize("NFKD", word)
    for word in ("กิ่งอำเภอ", "จังหวัด", "อำเภอ", "ตำบล", "แขวง", "เขต")
)


# What Thais type for a place, written out: ม.เกษตร, จ.เชียงใหม่, กทม., ซ.ลาดพร้าว.
# An abbreviation starts a word (no Thai or Latin letter just before it).
_WORD_START = r"(?<![\u0e00-\u0e7fA-Za-z])"
_ABBREVIATIONS = tuple(
    (re.compile(_WORD_START + pattern), full)
    for pattern, full in (
        (r"กทม\.?", "กรุงเทพมหานคร "),
        (r"ม\.\s*(?=[0-9๐-๙])", "หมู่ "),  # ม.5 is a village number, not a university
        (r"ม\.\s*", "มหาวิทยาลัย"),
        (r"จ\.\s*", "จังหวัด"),
        (r"อ\.\s*", "อำเภอ"),
        (r"ต\.\s*", "ตำบล"),
        (r"ข\.\s*", "แขวง"),
        (r"ซ\.\s*", "ซอย"),
        (r"ถ\.\s*", "ถนน"),
        (r"รพ\.\s*", "โรงพยาบาล"),
        (r"ร\.ร\.\s*", "โรงเรียน"),
    )
)
# Words that say what a name is, not which: dropped from the start of a word.
_QUALIFIERS = tuple(
    sorted(
        ("จังหวัด", "กิ่งอำเภอ", "อำเภอ", "ตำบล", "แขวง", "เขต", "ซอย", "ถนน"),
        key=len,
        reverse=True,
    )
)
_INSTITUTIONS = ("มหาวิทยาลัย", "โรงพยาบาล", "โรงเรียน")
# Whole words that only number or qualify: "ซอย 71", "Soi", "Rd.", "หมู่ 5", "71/3".
_NOISE_WORD = re.compile(
    r"^(?:[0-9๐-๙/\-]+|ซอย|ถนน|หมู่|soi|road|rd|moo|street|st)\.?$", re.IGNORECASE
)

_TRAILING_NUMBER = re.compile(r"[0-9๐-๙/\-]+$")
_MAX_WORDS = 6  # words of a typed place looked up one by one
_MAX_CUTS = 8  # shorter prefixes of a word tried for a suggestion
_MAX_WORD = 40  # longer "words" are not names


def expand_abbreviations(text: str) -> str:
    """Write out the abbreviations Thais type: "ม.เกษตร" → "มหาวิทยาลัยเกษตร"."""
    for pattern, full in _ABBREVIATIONS:
        text = pattern.sub(full, text)
    return text


def _words(text: str) -> list[str]:
    """The words of a typed place that name something, without qualifiers."""
    words = []
    for word in re.split(r"[\s,]+", expand_abbreviations(text)):
        for qualifier in _QUALIFIERS:
            if word.startswith(qualifier) and len(word) > len(qualifier):
                word = word[len(qualifier) :]
                break
        if not _NOISE_WORD.match(word):
            word = _TRAILING_NUMBER.sub("", word) or word  # "ลาดพร้าว71"
        if word and not _NOISE_WORD.match(word) and word not in _QUALIFIERS:
            words.append(word)
    return words


def query_variants(text: str) -> list[str]:
    """What to look up for a typed place, best first (the text itself first).

    "อ.เมืองเชียงใหม่ จ.เชียงใหม่" → "เมืองเชียงใหม่ เชียงใหม่"; "ลาดพร้าว 71" and
    "ซ.ลาดพร้าว 71" → "ลาดพร้าว"; "ม.ขอนแก่น" → "มหาวิทยาลัยขอนแก่น", then
    "ขอนแก่น" (the place the university is named after); then each word alone.
    """
    variants = [text]
    words = _words(text)
    if words:
        variants.append(" ".join(words))
        bare = [w for w in (_strip_institution(w) for w in words) if w]
        variants.append(" ".join(bare))
        if len(bare) > 1 and any("\u0e00" <= c <= "\u0e7f" for c in text):
            # Thai words are whole names: try each alone (a few: an address is
            # short; anything longer is not worth a search per word).
            variants.extend(bare[:_MAX_WORDS])
    unique: dict[str, str] = {}
    for variant in variants:
        unique.setdefault(_normalize(variant), variant)
    return [variant for key, variant in unique.items() if key]


def _strip_institution(word: str) -> str:
    for institution in _INSTITUTIONS:
        if word.startswith(institution):
            return word[len(institution) :]
    return word


def _normalize(text: str) -> str:
    """Fold a name or query: no case, accents, spaces, punctuation or level word."""
    text = unicodedata.normalize("NFKD", text)
    # Drop Latin combining accents only: Thai vowels and tone marks are kept.
    text = "".join(c for c in text if not "\u0300" <= c <= "\u036f")
    text = _SHORT_LEVEL.sub("", text.casefold().strip())
    text = _EN_SUFFIX.sub("", _EN_LEVEL.sub("", text))
    text = "".join(c for c in text if unicodedata.category(c)[0] not in "PZSC")
    for word in _TH_LEVEL:
        if text.startswith(word) and len(text) > len(word):
            return text[len(word) :]
    return text


@dataclass(frozen=True)
class Place:
    """A place of the gazetteer: a province, district, town or landmark."""

    id: str
    kind: str
    name_th: str
    name_en: str
    province_th: str
    province_en: str
    lat: float
    lon: float

    def label(self, locale: str = "th") -> str:
        """Human label, e.g. "ปทุมวัน, กรุงเทพมหานคร" or "Pathum Wan, Bangkok"."""
        english = locale.lower().startswith("en")
        name = self.name_en if english else self.name_th
        if self.kind == "province":
            return name
        province = self.province_en if english else self.province_th
        return f"{name}, {province}"


@dataclass(frozen=True)
class _Tier:
    """Keys of one sort (names or aliases) of every place, in rank order.

    Each place's keys are one chunk, "\x00key\x00key...", so that "\x00" + query
    finds prefixes and the query alone finds substrings, with one ``str.find``.
    """

    haystack: str
    starts: tuple[int, ...]  # where each place's chunk starts

    @classmethod
    def build(cls, chunks: list[list[str]]) -> _Tier:
        starts, parts, offset = [], [], 0
        for keys in chunks:
            chunk = "".join(_SEPARATOR + k for k in keys) + _END
            starts.append(offset)
            parts.append(chunk)
            offset += len(chunk)
        return cls("".join(parts), tuple(starts))

    def collect(self, needle: str, found: dict[int, None], limit: int) -> None:
        """Add the ranks of places whose chunk holds ``needle``, best first."""
        haystack, starts = self.haystack, self.starts
        last = len(starts) - 1
        pos = haystack.find(needle)
        while pos != -1 and len(found) < limit:
            rank = bisect_right(starts, pos) - 1
            found.setdefault(rank)
            if rank == last:
                break
            pos = haystack.find(needle, starts[rank + 1])


@dataclass(frozen=True)
class _Index:
    places: tuple[Place, ...]  # in rank order: best first when tied
    records: tuple[dict[str, Any], ...]
    exact: dict[str, tuple[int, ...]]  # key -> ranks, exact names before aliases
    names: _Tier
    aliases: _Tier
    radians: tuple[tuple[float, float, float], ...]  # lat, lon, cos(lat)


def _load_records() -> list[dict[str, Any]]:
    data = resources.files(__package__).joinpath("data").joinpath("places.json")
    return list(json.loads(data.read_text(encoding="utf-8"))["places"])


def _tie_break(record: dict[str, Any]) -> tuple[int, int, int, str]:
    """Order among equal matches: kind, Bangkok first, shorter name, id."""
    return (
        _KIND_RANK.get(record["kind"], len(_KINDS)),
        0 if record["province_en"] == "Bangkok" else 1,
        len(_normalize(record["name_en"])),
        record["id"],
    )


@lru_cache(maxsize=1)
def _index() -> _Index:
    """Load the gazetteer and build the search index, once."""
    records = sorted(_load_records(), key=_tie_break)
    provinces = {r["name_th"]: r for r in records if r["kind"] == "province"}
    exact: dict[str, dict[int, int]] = {}
    name_chunks: list[list[str]] = []
    alias_chunks: list[list[str]] = []

    def add_exact(key: str, rank: int, tier: int) -> None:
        if key:
            tiers = exact.setdefault(key, {})
            tiers[rank] = min(tiers.get(rank, tier), tier)

    for rank, r in enumerate(records):
        names = sorted({_normalize(r["name_th"]), _normalize(r["name_en"])} - {""})
        aliases = sorted({_normalize(a) for a in r["aliases"]} - {"", *names})
        name_chunks.append(names)
        alias_chunks.append(aliases)
        for key in names:
            add_exact(key, rank, _EXACT)
        for key in aliases:
            add_exact(key, rank, _EXACT_ALIAS)
        if r["kind"] != "province":
            # "ปทุมวัน กรุงเทพ", "Pathum Wan, Bangkok": exact matches only.
            province = provinces[r["province_th"]]
            own = {r["name_th"], r["name_en"], *r["aliases"]}
            where = {province["name_th"], province["name_en"], *province["aliases"]}
            for name in own:
                for prov in where:
                    add_exact(_normalize(f"{name} {prov}"), rank, _EXACT_ALIAS)

    places = tuple(
        Place(
            id=r["id"],
            kind=r["kind"],
            name_th=r["name_th"],
            name_en=r["name_en"],
            province_th=r["province_th"],
            province_en=r["province_en"],
            lat=float(r["lat"]),
            lon=float(r["lon"]),
        )
        for r in records
    )
    radians = tuple(
        (math.radians(p.lat), math.radians(p.lon), math.cos(math.radians(p.lat)))
        for p in places
    )
    return _Index(
        places=places,
        records=tuple(records),
        exact={
            k: tuple(sorted(v, key=lambda rank: (v[rank], rank)))
            for k, v in exact.items()
        },
        names=_Tier.build(name_chunks),
        aliases=_Tier.build(alias_chunks),
        radians=radians,
    )


def _ranked(query: str, limit: int) -> list[int]:
    """Ranks of the places matching ``query``, best first, at most ``limit``."""
    if limit <= 0 or not isinstance(query, str):
        return []
    q = _normalize(query)
    if not q:
        return []
    index = _index()
    # Insertion order is the result order: each step adds worse matches only.
    found: dict[int, None] = dict.fromkeys(index.exact.get(q, ())[:limit])
    index.names.collect(_SEPARATOR + q, found, limit)
    index.aliases.collect(_SEPARATOR + q, found, limit)
    index.names.collect(q, found, limit)
    index.aliases.collect(q, found, limit)
    return list(found)


_WITHIN_LIMIT = 400  # places looked at for a word when a province narrows them


def _lookup(query: str, limit: int) -> list[int]:
    """Ranks of the places for what someone typed, trying ``query_variants``.

    The text as typed comes first; when it names a province ("อ.เมือง
    จ.เชียงใหม่"), a word looked up alone only finds places in that province.
    """
    if limit <= 0 or not isinstance(query, str):
        return []
    found: dict[int, None] = dict.fromkeys(_ranked(query, limit))
    if len(found) >= limit:
        return list(found)
    variants = query_variants(query)[1:]
    index = _index()
    provinces = {
        index.places[rank].province_th
        for variant in variants
        for rank in index.exact.get(_normalize(variant), ())
        if index.places[rank].kind == "province"
    }
    several = any(" " in variant for variant in variants)
    for variant in variants:
        # One word of several, with a province named: only places in it count.
        within = provinces if several and " " not in variant else set()
        for rank in _ranked(variant, _WITHIN_LIMIT if within else limit):
            place = index.places[rank]
            if within and place.province_th not in within:
                continue
            found.setdefault(rank)
            if len(found) >= limit:
                return list(found)
    return list(found)


def search_places(query: str, limit: int = 10) -> list[Place]:
    """Places matching a Thai or English query, best match first.

    Understands what Thais type (see ``query_variants``): abbreviations such as
    ม. จ. อ. ต. กทม., soi and house numbers, "อ.เมือง จ.เชียงใหม่".
    """
    index = _index()
    return [index.places[i] for i in _lookup(query, limit)]


def suggest_places(query: str, limit: int = 3) -> list[Place]:
    """Places close to an unknown one, for "did you mean": each word, shortened.

    "เชียงไหม่" finds nothing; "เชียง" finds เชียงใหม่, เชียงราย, ...
    """
    if not isinstance(query, str):
        return []
    index = _index()
    found: dict[int, None] = {}
    for word in _words(query)[:_MAX_WORDS]:
        word = _strip_institution(word) or word
        if len(word) > _MAX_WORD:
            continue
        # Shortened down to half the word: shorter prefixes suggest nonsense.
        shortest = max(2, (len(word) + 1) // 2, len(word) - _MAX_CUTS)
        for cut in range(len(word) - 1, shortest - 1, -1):
            ranks = _ranked(word[:cut], limit)
            if ranks:
                found.update(dict.fromkeys(ranks))
                break
        if len(found) >= limit:
            break
    return [index.places[i] for i in list(found)[:limit]]


@lru_cache(maxsize=1)
def _english_names() -> tuple[dict[str, str], dict[str, str]]:
    """Thai labels and Thai names the gazetteer knows, with their English ones.

    A name shared by places with different English names (two districts called
    alike in different provinces) is left out of the names: only its full label
    ("name, province") is unambiguous.
    """
    labels: dict[str, str] = {}
    names: dict[str, set[str]] = {}
    for place in _index().places:
        labels.setdefault(place.label("th"), place.label("en"))
        if place.name_en:
            names.setdefault(place.name_th, set()).add(place.name_en)
            names.setdefault(place.province_th, set()).add(place.province_en)
    unique = {thai: next(iter(en)) for thai, en in names.items() if len(en) == 1}
    return labels, unique


def place_name(text: str | None, locale: str = "th") -> str:
    """A stored place label or province in the reader's language.

    Labels and provinces are stored in Thai ("ปทุมวัน, กรุงเทพมหานคร"); on an
    English page they read "Pathum Wan, Bangkok". A label someone typed keeps its
    own words and has only the parts the gazetteer knows put into English.
    """
    text = text or ""
    if not text or not locale.lower().startswith("en"):
        return text
    labels, names = _english_names()
    known = labels.get(text.strip())
    if known is not None:
        return known
    return ", ".join(names.get(part.strip(), part.strip()) for part in text.split(","))


def districts_of(province_th: str) -> list[Place]:
    """The districts (อำเภอ/เขต) of a province, by its Thai name."""
    return [
        place
        for place in _index().places
        if place.kind == "district" and place.province_th == province_th
    ]


def _match(query: str, limit: int) -> list[tuple[Place, dict[str, Any]]]:
    """Like ``search_places`` but with each place's record (for the geocoder)."""
    index = _index()
    return [(index.places[i], index.records[i]) for i in _lookup(query, limit)]


def _nearest(
    lat: float, lon: float, count: int
) -> list[tuple[float, Place, dict[str, Any]]]:
    """The ``count`` places nearest to a point, as (rough km, place, record)."""
    index = _index()
    phi, lam = math.radians(lat), math.radians(lon)
    cos_mid = math.cos(phi)
    scored = []
    for i, (p_phi, p_lam, p_cos) in enumerate(index.radians):
        # Equirectangular approximation: good to well under 1% at these distances.
        x = (p_lam - lam) * (cos_mid + p_cos) / 2
        y = p_phi - phi
        rough = 6371.0088 * math.hypot(x, y)
        scored.append((rough, _REVERSE_RANK.get(index.places[i].kind, 9), i))
    scored.sort()
    return [(km, index.places[i], index.records[i]) for km, _, i in scored[:count]]
