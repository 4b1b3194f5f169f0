"""Volunteer feedback after a shift, and signed certificates of hours."""
