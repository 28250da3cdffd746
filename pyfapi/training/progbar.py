"""Keras-style progress bars; moved to :mod:`pyfapi.utils.progbar` (callbacks, below training,
use it). Re-exported here for existing imports."""
from pyfapi.utils.progbar import *  # noqa: F401,F403
from pyfapi.utils.progbar import __all__  # noqa: F401
