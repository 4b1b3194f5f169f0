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

__all__ = ["Place", "search_places"]

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


def search_places(query: str, limit: int = 10) -> list[Place]:
    """Places matching a Thai or English query, best match first."""
    index = _index()
    return [index.places[i] for i in _ranked(query, limit)]


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
    return [(index.places[i], index.records[i]) for i in _ranked(query, limit)]


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
