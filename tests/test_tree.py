"""pyfapi.tree against real Keras 3's keras.tree (optree, none_is_leaf=True) on the same
structures: sorted dict keys, None and strings as leaves, named tuples kept, errors alike."""
import collections

import pytest

import pyfapi
from pyfapi import tree

P = collections.namedtuple("P", "q r")
STRUCTS = [
    {"b": [1, None, (2, 3)], "a": {"y": 4, "x": 5}},
    [1, [2, [3, "s"]], ()],
    P(1, [2, {"k": None}]),
    None, 7, "text", [], {},
    (1, {"z": 2, "a": [3, (4,)]}),
    collections.OrderedDict([("b", 1), ("a", [2, 3])]),      # its own order, not sorted
    collections.defaultdict(list, {"b": 1, "a": {"d": 2, "c": 3}}),  # rebuilt with its factory
]


@pytest.fixture(scope="module")
def ktree():
    return pytest.importorskip("keras").tree


@pytest.mark.parametrize("s", STRUCTS)
def test_same_results_as_keras_tree(ktree, s):
    assert tree.flatten(s) == ktree.flatten(s)
    assert tree.is_nested(s) == ktree.is_nested(s)
    assert tree.flatten_with_path(s) == [(tuple(p), v) for p, v in ktree.flatten_with_path(s)]
    n = len(tree.flatten(s))
    assert tree.pack_sequence_as(s, list(range(n))) == ktree.pack_sequence_as(s, list(range(n)))
    f = (lambda v: None if v is None else (v * 2 if not isinstance(v, str) else v + "!"))
    assert tree.map_structure(f, s) == ktree.map_structure(f, s)
    assert tree.lists_to_tuples(s) == ktree.lists_to_tuples(s)
    assert type(tree.map_structure(f, s)) is type(ktree.map_structure(f, s))


def test_structure_errors_and_multi_structure_maps(ktree):
    with pytest.raises(ValueError, match="same nested structure"):
        tree.assert_same_structure([1, 2], [1, [2]])
    with pytest.raises(ValueError):
        ktree.assert_same_structure([1, 2], [1, [2]])
    with pytest.raises(ValueError):
        tree.map_structure(lambda a, b: a + b, [1, 2], [1, 2, 3])
    assert tree.map_structure(lambda a, b: a + b, {"a": 1, "b": [2]}, {"b": [3], "a": 4}) == \
        ktree.map_structure(lambda a, b: a + b, {"a": 1, "b": [2]}, {"b": [3], "a": 4})
    assert tree.map_structure_up_to([1, [2]], lambda v: v, [[5], [6]]) == \
        ktree.map_structure_up_to([1, [2]], lambda v: v, [[5], [6]])
    with pytest.raises(ValueError):
        tree.map_structure_up_to([1, [2]], lambda v: v, [[5], [6, 7]])
    with pytest.raises(ValueError, match="4 leaves"):
        tree.pack_sequence_as([1, [2, 3], 4], [0, 1])


def test_traverse_and_shapes():
    assert tree.traverse(lambda x: "leaf" if x == 2 else None, [1, [2, 3]]) == [1, ["leaf", 3]]
    assert tree.traverse(lambda x: x * 10 if isinstance(x, int) else None, [1, (2,)],
                         top_down=False) == [10, (20,)]
    assert tree.map_shape_structure(lambda s: tuple(s) + (1,), {"a": (None, 3), "b": [(2,)]}) \
        == {"a": (None, 3, 1), "b": [(2, 1)]}
    assert pyfapi.tree is tree


def test_tape_keeps_nested_sources_and_sorts_dict_targets():
    import numpy as np
    a = pyfapi.Variable(np.ones(2, np.float32))
    b = pyfapi.Variable(np.ones(3, np.float32))
    with pyfapi.GradientTape(persistent=True) as t:
        la, lb = pyfapi.ops.sum(a * 2.0), pyfapi.ops.sum(b * 3.0)
        total = la + lb
    g = t.gradient(total, [{"x": a}, [b]])
    assert isinstance(g[0], dict) and isinstance(g[1], list)
    np.testing.assert_array_equal(g[0]["x"].numpy(), [2, 2])
    np.testing.assert_array_equal(g[1][0].numpy(), [3, 3, 3])
    # a dict target pairs its output_gradients with the sorted keys (tf.nest / keras.tree)
    ga = t.gradient({"zb": lb, "aa": la}, a, output_gradients=[10.0, 1.0])
    np.testing.assert_array_equal(ga.numpy(), [20, 20])
