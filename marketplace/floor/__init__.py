"""The expo floor on the day: the coverage board, shift leads and rosters."""
