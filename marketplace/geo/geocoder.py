"""geopy geocoders: the offline gazetteer one, and Nominatim when configured."""

from __future__ import annotations

import copy
from typing import Any

from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderServiceError
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from .distance import distance_km, valid_coordinates
from .gazetteer import Place, _match, _nearest

__all__ = ["OfflineGeocoder", "get_geocoder"]

DEFAULT_LIMIT = 10


class _NoNetworkAdapter(BaseSyncAdapter):
    """A geopy adapter that refuses every request: the gazetteer is local."""

    def __init__(self, *, proxies: Any = None, ssl_context: Any = None) -> None:
        super().__init__(proxies=proxies, ssl_context=ssl_context)

    def get_json(self, url: str, *, timeout: Any, headers: Any) -> Any:
        """Refuse: the offline geocoder never uses the network."""
        raise GeocoderServiceError(f"OfflineGeocoder does not fetch {url}")

    def get_text(self, url: str, *, timeout: Any, headers: Any) -> str:
        """Refuse: the offline geocoder never uses the network."""
        raise GeocoderServiceError(f"OfflineGeocoder does not fetch {url}")


def _location(place: Place, record: dict[str, Any]) -> Location:
    return Location(place.label("th"), (place.lat, place.lon), copy.deepcopy(record))


class OfflineGeocoder(Geocoder):
    """A geopy geocoder over the offline gazetteer of Thailand; no network."""

    def __init__(
        self,
        *,
        user_agent: str | None = None,
        max_distance_km: float = 100.0,
    ) -> None:
        super().__init__(user_agent=user_agent, adapter_factory=_NoNetworkAdapter)
        self.max_distance_km = max_distance_km

    def geocode(
        self, query: str, *, exactly_one: bool = True, limit: int | None = None
    ) -> Location | list[Location] | None:
        """Locations matching a Thai or English place name; None if none."""
        if limit is not None and limit < 1:
            raise ValueError("limit must be a positive integer")
        count = 1 if exactly_one else (limit or DEFAULT_LIMIT)
        found = [_location(p, r) for p, r in _match(str(query), count)]
        if not found:
            return None
        return found[0] if exactly_one else found

    def reverse(
        self, query: Any, *, exactly_one: bool = True
    ) -> Location | list[Location] | None:
        """The place(s) nearest to a point ("lat, lon", a pair or a Point)."""
        point = query if isinstance(query, Point) else Point(query)
        lat, lon = point.latitude, point.longitude
        if not valid_coordinates(lat, lon):
            raise ValueError(f"invalid coordinates: {query!r}")
        count = 1 if exactly_one else DEFAULT_LIMIT
        # Rank a few more than needed by the rough distance, then exactly.
        candidates = _nearest(lat, lon, count + 5)
        exact = sorted(
            (distance_km(lat, lon, p.lat, p.lon), rank, p, r)
            for rank, (_, p, r) in enumerate(candidates)
        )
        found = [
            _location(p, r) for km, _, p, r in exact if km <= self.max_distance_km
        ][:count]
        if not found:
            return None
        return found[0] if exactly_one else found


def get_geocoder(
    name: str = "offline", user_agent: str = "good-society-marketplace"
) -> Geocoder:
    """The geocoder by configured name: "offline" (default) or "nominatim"."""
    choice = name.strip().lower()
    if choice == "offline":
        return OfflineGeocoder(user_agent=user_agent)
    if choice == "nominatim":
        return Nominatim(user_agent=user_agent)
    raise ValueError(f"unknown geocoder {name!r}: use 'offline' or 'nominatim'")
