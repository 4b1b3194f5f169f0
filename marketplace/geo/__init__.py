"""Places and geocoding for Thailand: an offline gazetteer behind geopy.

Nothing is loaded at import time; the gazetteer (``data/places.json``, see
``data/ATTRIBUTION.md``) is read on the first search or geocode and cached.
"""

from .distance import (
    THAILAND_BOUNDS,
    Bounds,
    distance_km,
    in_thailand,
    valid_coordinates,
)
from .gazetteer import (
    Place,
    districts_of,
    place_name,
    search_places,
    suggest_places,
)
from .geocoder import OfflineGeocoder, get_geocoder

__all__ = [
    "THAILAND_BOUNDS",
    "Bounds",
    "OfflineGeocoder",
    "Place",
    "distance_km",
    "districts_of",
    "get_geocoder",
    "in_thailand",
    "place_name",
    "search_places",
    "suggest_places",
    "valid_coordinates",
]
