"""Messages to a shift: members and leads write, volunteers answer, one inbox."""
