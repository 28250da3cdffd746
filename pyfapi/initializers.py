"""pyfapi.initializers (under construction)."""
