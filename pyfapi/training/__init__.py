"""pyfapi.training (under construction)."""
