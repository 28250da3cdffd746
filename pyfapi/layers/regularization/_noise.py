"""Shared helpers of the noise layers: the rate check and the generator (the layer's seeded
generator, else pyfapi's global one)."""
from __future__ import annotations

import numpy as np

from pyfapi.utils.random import make_rng

__all__ = ["check_rate", "layer_rng"]


def check_rate(rate, cls, upper_inclusive=True):
    """``rate`` as a float in [0, 1] (or [0, 1) when not ``upper_inclusive``); ValueError
    naming the layer class otherwise."""
    ok = (not isinstance(rate, bool) and isinstance(rate, (int, float, np.floating))
          and 0 <= rate and (rate <= 1 if upper_inclusive else rate < 1))
    if not ok:
        raise ValueError(f"{cls}: invalid value received for argument `rate`. Expected a float "
                         f"value between 0 and 1. Received: rate={rate!r}")
    return float(rate)


def layer_rng(layer):
    """The layer's seeded generator (created once) or the global one."""
    if layer.seed is None:
        return make_rng(None)
    if getattr(layer, "_rng", None) is None:
        layer._rng = make_rng(layer.seed)
    return layer._rng
