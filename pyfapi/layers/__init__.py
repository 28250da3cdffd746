"""pyfapi.layers (under construction)."""
