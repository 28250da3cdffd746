"""pyfapi.saving (under construction)."""
