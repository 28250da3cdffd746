"""pyfapi.metrics (under construction)."""
