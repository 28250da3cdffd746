"""pyfapi.ops (under construction)."""
