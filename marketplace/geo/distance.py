"""Coordinates: validity, Thailand's bounding box and geodesic distance."""

from __future__ import annotations

import math
from numbers import Real
from typing import NamedTuple

from geopy.distance import geodesic


class Bounds(NamedTuple):
    """A latitude/longitude box, in degrees."""

    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the point lies inside the box (edges included)."""
        return (
            self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon
        )


# Thailand spans about 5.61-20.46 N and 97.34-105.64 E; the box has a small margin.
# It is a box: it also takes in bits of Myanmar, Laos, Cambodia and Malaysia.
THAILAND_BOUNDS = Bounds(min_lat=5.5, min_lon=97.3, max_lat=20.5, max_lon=105.7)


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def valid_coordinates(lat: float, lon: float) -> bool:
    """Whether lat/lon are finite numbers within -90..90 and -180..180."""
    if not (_is_number(lat) and _is_number(lon)):
        return False
    lat_f, lon_f = float(lat), float(lon)
    if not (math.isfinite(lat_f) and math.isfinite(lon_f)):
        return False
    return -90.0 <= lat_f <= 90.0 and -180.0 <= lon_f <= 180.0


def in_thailand(lat: float, lon: float) -> bool:
    """Whether the point is valid and inside ``THAILAND_BOUNDS``."""
    return valid_coordinates(lat, lon) and THAILAND_BOUNDS.contains(
        float(lat), float(lon)
    )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic (WGS-84) distance between two points in kilometres."""
    if not (valid_coordinates(lat1, lon1) and valid_coordinates(lat2, lon2)):
        raise ValueError(
            f"invalid coordinates: ({lat1!r}, {lon1!r}), ({lat2!r}, {lon2!r})"
        )
    return float(geodesic((lat1, lon1), (lat2, lon2)).km)
