"""pyfapi.activations (under construction)."""
