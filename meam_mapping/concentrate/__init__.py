"""concentrate."""
