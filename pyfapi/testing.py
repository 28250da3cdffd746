"""pyfapi.testing (under construction)."""
