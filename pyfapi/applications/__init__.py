"""pyfapi.applications (under construction)."""
