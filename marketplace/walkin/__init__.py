"""Walk-in sign-up at a partner's expo booth: the phone flow and the kiosk mode."""
