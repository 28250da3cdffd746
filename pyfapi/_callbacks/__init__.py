"""Callbacks beyond the core ones of :mod:`pyfapi.callbacks` (which re-exports them), one module
each: :mod:`csv_logger`, :mod:`learning_rate_scheduler`, :mod:`backup_and_restore`,
:mod:`tensorboard`."""

# pyfapi.callbacks defines Callback and imports these modules at its end: load it first, so
# importing one of them directly (pyfapi._callbacks.csv_logger) does not meet a half-initialised
# module.
import pyfapi.callbacks  # noqa: E402,F401
