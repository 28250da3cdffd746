"""pyfapi side by side with its peers, one subcommand per kernel family.

Usage::

    python bench/compare.py gemm [--threads 1 2] [--repeats 7]
    python bench/compare.py gemm --dtype bfloat16          # bf16 GEMM vs PyTorch's bf16 matmul
    python bench/compare.py models --policy mixed_bfloat16  # + pyfapi_fp32, torch autocast
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/compare.py gemm   # fair OpenBLAS

Each subcommand lives in its own module ``bench/compare_<name>.py`` exposing
``add_arguments(parser)`` and ``run(args) -> int``; register it in :data:`SUBCOMMANDS`
(``gemm``, ``models``, ``distributed``, ``rnn``).
"""
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

#: subcommand -> (module in bench/, one-line help)
SUBCOMMANDS = {
    "gemm": ("compare_gemm", "SGEMM GFLOP/s: pyfapi vs numpy's OpenBLAS, squares and DL shapes"),
    "models": ("compare_models", "end-to-end notebook models: pyfapi vs Keras (TF, JAX) vs "
                                 "PyTorch"),
    "layers": ("compare_layers", "LayerNorm, Conv2DTranspose, transformer block: pyfapi vs Keras-JAX "
               "vs PyTorch"),
    "preprocessing": ("compare_preprocessing",
                      "adapt (text, Normalization) and Resizing: pyfapi vs Keras-JAX vs torch"),
    "distributed": ("compare_distributed",
                    "1 process x 2 threads vs 2 MPI ranks x 1 thread; Allreduce cost model"),
    "rnn": ("compare_rnn", "GRU / Bidirectional(LSTM) training steps: pyfapi vs Keras (JAX, "
                           "TensorFlow) vs PyTorch"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="compare.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module).add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return int(importlib.import_module(args._module).run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
