"""Facts about the Good Society Expo itself."""

from datetime import date, timedelta

from .locations import Location, locate_point

EXPO_FIRST_DAY = (6, 9)  # 9 June
EXPO_LENGTH_DAYS = 3  # 9-11 June
EXPO_VENUE_TH = "เซ็นทรัลเวิลด์ และย่านราชประสงค์ กรุงเทพฯ"
EXPO_VENUE_EN = "CentralWorld and the Ratchaprasong area, Bangkok"
EXPO_LAT, EXPO_LON = 13.7466, 100.5393
# The venue as the place lookup knows it (typed in the opportunity form).
EXPO_PLACE = "เซ็นทรัลเวิลด์"
EXPO_PLACE_EN = "CentralWorld"


def next_expo_days(today: date) -> list[date]:
    """The days of the coming expo (this year's if it has not ended yet)."""
    month, day = EXPO_FIRST_DAY
    first = date(today.year, month, day)
    if today > first + timedelta(days=EXPO_LENGTH_DAYS - 1):
        first = date(today.year + 1, month, day)
    return [first + timedelta(days=offset) for offset in range(EXPO_LENGTH_DAYS)]


def expo_location() -> Location:
    """Where the expo is held, as an opportunity's location."""
    return locate_point(EXPO_LAT, EXPO_LON) or Location(
        EXPO_LAT, EXPO_LON, EXPO_VENUE_TH, None
    )
