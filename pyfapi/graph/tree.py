"""Minimal nested-structure helpers (lists, tuples, dicts) for call arguments and model I/O.

Leaves are everything that is not a list, tuple or dict. Dicts are walked in insertion order
(callers that need Keras's name order handle dicts themselves).
"""
from __future__ import annotations

import warnings

__all__ = ["flatten", "pack_sequence_as", "map_structure", "is_nested", "drop_unused_keys"]


def is_nested(x) -> bool:
    """True for a list, tuple or dict (a structure rather than a leaf)."""
    return isinstance(x, (list, tuple, dict))


def flatten(structure) -> list:
    """All leaves of ``structure`` in depth-first order."""
    out: list = []
    _flatten(structure, out)
    return out


def _flatten(s, out):
    if isinstance(s, (list, tuple)):
        for x in s:
            _flatten(x, out)
    elif isinstance(s, dict):
        for x in s.values():
            _flatten(x, out)
    else:
        out.append(s)


def pack_sequence_as(structure, flat):
    """Rebuild ``structure``'s nesting with the leaves taken in order from ``flat``."""
    it = iter(flat)
    result = _pack(structure, it)
    return result


def _pack(s, it):
    if isinstance(s, list):
        return [_pack(x, it) for x in s]
    if isinstance(s, tuple):
        return tuple(_pack(x, it) for x in s)
    if isinstance(s, dict):
        return {k: _pack(v, it) for k, v in s.items()}
    return next(it)


def map_structure(fn, structure):
    """Apply ``fn`` to every leaf, keeping the nesting."""
    if isinstance(structure, list):
        return [map_structure(fn, x) for x in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, x) for x in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def drop_unused_keys(data: dict, names, owner: str) -> dict:
    """``data`` restricted to the keys in ``names`` (Keras 3 uses a model's named inputs and
    ignores other keys of an input dict); a ``UserWarning`` names the ignored keys.

    Missing names are left for the caller to report.
    """
    names = set(names)
    unused = [k for k in data if k not in names]
    if not unused:
        return data
    warnings.warn(f"{owner}: the input dict has keys {unused} that are not among the model's "
                  f"input names {sorted(names, key=str)}; they are ignored.", UserWarning,
                  stacklevel=4)
    return {k: v for k, v in data.items() if k in names}
