"""pyfapi.models (under construction)."""
