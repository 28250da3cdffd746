"""pyfapi.datasets (under construction)."""
