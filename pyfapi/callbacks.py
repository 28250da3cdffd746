"""pyfapi.callbacks (under construction)."""
