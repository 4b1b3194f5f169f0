"""Stand-ins of outside services, served on loopback by the tests (no network)."""
