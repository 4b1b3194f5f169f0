"""Co-defined outcomes (Impact Bento), reported values and pledges."""
