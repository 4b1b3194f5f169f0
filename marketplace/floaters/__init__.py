"""The expo floor's floaters: "I'm free now", ranked beside short shifts, offers."""
