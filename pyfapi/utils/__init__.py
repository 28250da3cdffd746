"""pyfapi.utils (under construction)."""
