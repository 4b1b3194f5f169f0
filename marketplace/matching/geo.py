"""Vectorised geodesic distances on the WGS-84 ellipsoid, and unit vectors.

Distances use Lambert's formula for long lines on the ellipsoid: a great-circle
angle on the auxiliary sphere of reduced latitudes with a first-order flattening
correction. Against geopy's exact ``geodesic`` it is within a few metres per
thousand kilometres (checked in the tests to 0.5 %); it is not meant for nearly
antipodal points. Points are kept as unit vectors on that auxiliary sphere, which
``scipy.spatial.cKDTree`` can index: the straight-line (chord) distance between two
vectors orders points like the geodesic distance does, closely enough to bound it.
"""

import numpy as np
from numpy.typing import ArrayLike

WGS84_A_KM = 6378.137
WGS84_F = 1 / 298.257223563
# Below any geodesic length per radian of auxiliary-sphere angle (about the polar
# radius, 6356.75 km, in the tests); bounds searches from below with a margin.
RADIUS_LOWER_BOUND_KM = 6340.0


def unit_vectors(lat: ArrayLike, lon: ArrayLike) -> np.ndarray:
    """Points (degrees) as unit vectors on the auxiliary sphere, shape (n, 3)."""
    phi = np.radians(np.asarray(lat, dtype=np.float64).reshape(-1))
    lam = np.radians(np.asarray(lon, dtype=np.float64).reshape(-1))
    beta = np.arctan2((1 - WGS84_F) * np.sin(phi), np.cos(phi))
    cos_beta = np.cos(beta)
    out = np.empty((phi.shape[0], 3), dtype=np.float64)
    out[:, 0] = cos_beta * np.cos(lam)
    out[:, 1] = cos_beta * np.sin(lam)
    out[:, 2] = np.sin(beta)
    return out


def chord_squared(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Squared straight-line distance between unit vectors (rows broadcast)."""
    dx = u[..., 0] - v[..., 0]
    dy = u[..., 1] - v[..., 1]
    dz = u[..., 2] - v[..., 2]
    return dx * dx + dy * dy + dz * dz


def distance_from_chord(
    chord_sq: np.ndarray, z1: np.ndarray, z2: np.ndarray
) -> np.ndarray:
    """Geodesic km from the squared chord and the two points' z (sin of beta)."""
    half = np.minimum(0.5 * np.sqrt(chord_sq), 1.0)  # sin(sigma / 2)
    cos_half_sq = np.maximum(1.0 - half * half, 0.0)
    sigma = 2.0 * np.arcsin(half)
    sin_sigma = 2.0 * half * np.sqrt(cos_half_sq)
    sum_sq = (0.5 * (z1 + z2)) ** 2  # sin^2 P cos^2 Q
    diff_sq = (0.5 * (z2 - z1)) ** 2  # cos^2 P sin^2 Q
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(cos_half_sq > 0, (sigma - sin_sigma) * sum_sq / cos_half_sq, 0.0)
        y = np.where(half > 0, (sigma + sin_sigma) * diff_sq / (half * half), 0.0)
    return WGS84_A_KM * (sigma - 0.5 * WGS84_F * (x + y))


def distance_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Geodesic km between unit vectors from ``unit_vectors`` (rows broadcast)."""
    return distance_from_chord(chord_squared(u, v), u[..., 2], v[..., 2])


def distance_km(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> np.ndarray:
    """Geodesic km between points given in degrees (arrays of one length, or 1)."""
    return distance_between(unit_vectors(lat1, lon1), unit_vectors(lat2, lon2))


def chord_bound(km: ArrayLike) -> np.ndarray:
    """A chord length no shorter than that of any pair within ``km`` of each other."""
    sigma = np.asarray(km, dtype=np.float64) / RADIUS_LOWER_BOUND_KM
    return 2.0 * np.sin(np.minimum(sigma, np.pi) / 2.0)
