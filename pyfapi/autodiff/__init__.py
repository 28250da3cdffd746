"""pyfapi.autodiff (under construction)."""
