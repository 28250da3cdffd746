"""pyfapi in float32 next to pyfapi under ``--policy`` (bench/compare_models.py): the reference
for the mixed-precision speed-up, timed in the same process, interleaved with the others."""
from __future__ import annotations

import models_pyfapi
from models_pyfapi import available, setup  # noqa: F401

NAME = "pyfapi_fp32"


def make_runner(name, cfg, xs, ys, weights=None):
    return models_pyfapi.make_runner(name, cfg, xs, ys, weights, policy="float32")


def version():
    return models_pyfapi.version().replace(f"policy {models_pyfapi.bench_policy()}",
                                           "policy float32")
