"""pyfapi.training: the :class:`Trainer` mixin (compile / fit / evaluate / predict) that
:class:`pyfapi.Model` and :class:`pyfapi.Sequential` inherit, with its helpers:
:mod:`.compile_utils` (loss / metric mapping to outputs), :mod:`.data_adapter` (arrays, names,
batches, validation split) and :mod:`.progbar` (Keras-style progress)."""
from pyfapi.training.trainer import Trainer

__all__ = ["Trainer"]
