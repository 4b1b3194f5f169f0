"""Groups (issue 15): join codes, reserved places on shifts, the group's report."""
