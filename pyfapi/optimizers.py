"""pyfapi.optimizers (under construction)."""
