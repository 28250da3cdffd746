"""Callbacks beyond the core ones of :mod:`pyfapi.callbacks` (which re-exports them), one module
each: :mod:`csv_logger`, :mod:`learning_rate_scheduler`, :mod:`backup_and_restore`,
:mod:`tensorboard`."""
