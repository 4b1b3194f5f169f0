"""Privacy under the PDPA: notice, consents, export, erasure, minors, retention."""
