"""pyfapi.losses (under construction)."""
