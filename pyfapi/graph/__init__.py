"""pyfapi.graph (under construction)."""
