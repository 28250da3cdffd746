"""pyfapi.tree: Keras 3's ``keras.tree`` utilities for nested structures (Keras implements them on
optree with ``none_is_leaf=True``; these follow the same rules in plain Python).

Nodes are lists, tuples (named tuples keep their type) and dicts; everything else, None and
strings included, is a leaf. Dicts are visited in SORTED key order (so ``flatten({"b": 1,
"a": 2}) == [2, 1]``; an ``OrderedDict`` in its own order), and rebuilt dicts keep their type
(a ``defaultdict`` its factory) and original key order, each value put back under its key.
Structures that differ raise ValueError.
"""
from __future__ import annotations

from collections import OrderedDict, defaultdict

__all__ = ["is_nested", "flatten", "flatten_with_path", "pack_sequence_as", "map_structure",
           "map_structure_up_to", "assert_same_structure", "traverse", "lists_to_tuples",
           "map_shape_structure"]


def is_nested(structure) -> bool:
    """True for a list, tuple or dict (a node); False for a leaf (None and strings included)."""
    return isinstance(structure, (list, tuple, dict))


def dict_keys(d) -> list:
    """``d``'s keys in the order :func:`flatten` visits them (sorted; an ``OrderedDict``'s own
    order; insertion order when the keys do not sort). Not in ``keras.tree``: pyfapi's callers
    that pair names with flattened values use it."""
    return list(_keys(d))


def _keys(node):
    if isinstance(node, dict):
        if isinstance(node, OrderedDict):  # optree keeps an OrderedDict's own order
            return list(node)
        try:
            return sorted(node)
        except TypeError:  # keys that do not sort: insertion order
            return list(node)
    return range(len(node))


def _rebuild(node, values):
    """``node``'s type with ``values`` (listed in visiting order) as its children."""
    if isinstance(node, dict):
        by_key = dict(zip(_keys(node), values))
        pairs = ((k, by_key[k]) for k in node)
        if isinstance(node, defaultdict):
            return type(node)(node.default_factory, pairs)
        return type(node)(pairs)
    if isinstance(node, tuple) and hasattr(node, "_fields"):
        return type(node)(*values)
    return type(node)(values)


def flatten(structure) -> list:
    """The leaves of ``structure``, depth first (dict values by sorted key)."""
    if not isinstance(structure, (list, tuple, dict)):
        return [structure]
    out: list = []
    _flatten_into(structure, out)
    return out


def _flatten_into(node, out) -> None:
    # (the training hot path: Node arguments, tape sources; leaves appended inline)
    for x in (node[k] for k in _keys(node)) if isinstance(node, dict) else node:
        if isinstance(x, (list, tuple, dict)):
            _flatten_into(x, out)
        else:
            out.append(x)


def flatten_with_path(structure) -> list:
    """``[(path, leaf), ...]``, a path being the tuple of keys / indices down to the leaf."""
    out: list = []

    def walk(s, path):
        if is_nested(s):
            for k in _keys(s):
                walk(s[k], path + (k,))
        else:
            out.append((path, s))
    walk(structure, ())
    return out


_END = object()


def pack_sequence_as(structure, flat_sequence):
    """``structure`` with its leaves replaced, in order, by ``flat_sequence``.

    Raises:
        ValueError: ``flat_sequence`` has another number of items than ``structure`` leaves.
    """
    flat = flat_sequence if isinstance(flat_sequence, (list, tuple)) else list(flat_sequence)
    it = iter(flat)
    try:
        packed = _pack(structure, it)
        mismatch = next(it, _END) is not _END  # items left over
    except StopIteration:  # too few items
        mismatch = True
    if mismatch:
        raise ValueError(f"pack_sequence_as: the structure has {len(flatten(structure))} leaves, "
                         f"received a sequence of {len(flat)} items")
    return packed


def _pack(s, it):
    if isinstance(s, (list, tuple, dict)):
        return _rebuild(s, [_pack(s[k], it) for k in _keys(s)])
    return next(it)


def assert_same_structure(a, b, check_types=None):
    """ValueError unless ``a`` and ``b`` have the same nesting (node kinds, lengths, dict keys).
    ``check_types`` is accepted for Keras compatibility (list and tuple always differ)."""
    def same(x, y):
        if is_nested(x) != is_nested(y):
            return False
        if not is_nested(x):
            return True
        if isinstance(x, dict) != isinstance(y, dict) or type(x) is not type(y) and not (
                isinstance(x, dict) and isinstance(y, dict)):
            return False
        if isinstance(x, dict) and set(x) != set(y) or len(x) != len(y):
            return False
        return all(same(x[k], y[k]) for k in _keys(x))
    if not same(a, b):
        raise ValueError(f"Structures don't have the same nested structure.\nFirst structure: "
                         f"{a!r:.200}\nSecond structure: {b!r:.200}")


def map_structure(func, *structures):
    """``func`` applied leaf-wise across ``structures`` (which must share one structure); the
    result has the first structure's shape.

    Raises:
        ValueError: no structure, or structures that differ.
    """
    if not structures:
        raise ValueError("map_structure: at least one structure is required")
    if len(structures) == 1:
        return pack_sequence_as(structures[0], [func(x) for x in flatten(structures[0])])
    for other in structures[1:]:
        assert_same_structure(structures[0], other)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [func(*leaves) for leaves in zip(*flats)])


def _flatten_up_to(shallow, structure):
    if not is_nested(shallow):
        return [structure]
    if not is_nested(structure) or len(structure) != len(shallow) or (
            isinstance(shallow, dict) and set(shallow) != set(structure)):
        raise ValueError(f"The structure {structure!r:.200} does not match the shallow "
                         f"structure {shallow!r:.200}")
    out = []
    for k in _keys(shallow):
        out.extend(_flatten_up_to(shallow[k], structure[k]))
    return out


def map_structure_up_to(shallow_structure, func, *structures):
    """``func`` applied to the sub-structures of ``structures`` found at the leaves of
    ``shallow_structure``; the result has the shallow structure's shape.

    Raises:
        ValueError: a structure that does not match the shallow one down to its leaves.
    """
    flats = [_flatten_up_to(shallow_structure, s) for s in structures]
    return pack_sequence_as(shallow_structure, [func(*parts) for parts in zip(*flats)])


def traverse(func, structure, top_down=True):
    """Applies ``func`` to every node and leaf. Top-down: where ``func`` returns something other
    than None, that value replaces the sub-structure and its children are not visited.
    Bottom-up: children first, then ``func`` on the rebuilt node (its non-None result replaces
    it)."""
    def visit(s):
        if top_down:
            r = func(s)
            if r is not None:
                return r
            return _rebuild(s, [visit(s[k]) for k in _keys(s)]) if is_nested(s) else s
        node = _rebuild(s, [visit(s[k]) for k in _keys(s)]) if is_nested(s) else s
        r = func(node)
        return node if r is None else r
    return visit(structure)


def lists_to_tuples(structure):
    """``structure`` with every list turned into a tuple (recursively)."""
    if isinstance(structure, list):
        return tuple(lists_to_tuples(x) for x in structure)
    if is_nested(structure):
        return _rebuild(structure, [lists_to_tuples(structure[k]) for k in _keys(structure)])
    return structure


def _is_shape(x):
    return isinstance(x, (list, tuple)) and all(d is None or isinstance(d, int) for d in x)


def map_shape_structure(func, structure):
    """``func`` applied to each shape (a tuple / list of ints and None) of a nested structure."""
    if _is_shape(structure) or not is_nested(structure):
        return func(structure)
    return _rebuild(structure, [map_shape_structure(func, structure[k])
                                for k in _keys(structure)])
