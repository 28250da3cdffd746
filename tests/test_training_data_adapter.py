"""pyfapi.training.data_adapter: routing by name, conversions, sample-count checks, validation
split from the end, batching and seeded shuffling."""
import numpy as np
import pytest

import pyfapi
from pyfapi.training import data_adapter as da


def test_inputs_routed_by_name_not_sorted_position():
    a, b = np.zeros((3, 2)), np.ones((3, 4))
    # "zeta" comes first in the model; a sorted-keys router would swap them
    out = da.standardize_inputs({"alpha": b, "zeta": a}, ["zeta", "alpha"],
                                ["float32", "float32"])
    assert out[0].shape == (3, 2) and out[1].shape == (3, 4)
    assert out[0].dtype == np.float32


def test_integer_inputs_are_cast_once_and_non_integer_floats_refused():
    out = da.standardize_inputs(np.arange(6).reshape(2, 3), ["ids"], ["int32"])
    assert out[0].dtype == np.int32
    with pytest.raises(ValueError, match="non-integer"):
        da.standardize_inputs(np.full((2, 3), 0.5), ["ids"], ["int32"])


def test_targets_keep_integer_labels_for_sparse_outputs_only():
    y = da.standardize_targets({"a": np.array([1, 2]), "b": np.array([[1], [0]])}, ["a", "b"],
                               sparse_outputs={"a"})
    assert y[0].dtype.kind == "i" and y[1].dtype == np.float32


def test_sample_count_error_names_every_array():
    with pytest.raises(ValueError, match=r"x\['in'\]: 5, y\['out'\]: 4"):
        da.check_sample_counts([("x['in']", np.zeros(5)), ("y['out']", np.zeros(4))])


def test_validation_split_takes_the_end():
    x = np.arange(10)[:, None]
    (tr,), (va,) = da.train_validation_split([[x]], 0.3)
    np.testing.assert_array_equal(tr[0].ravel(), np.arange(7))
    np.testing.assert_array_equal(va[0].ravel(), [7, 8, 9])


def test_batcher_sizes_and_seeded_shuffle():
    x = np.arange(10)[:, None]
    b = da.ArrayBatcher([x], [x * 2], None, batch_size=4, shuffle=False)
    sizes = [size for _, _, _, _, size in b.epoch()]
    assert sizes == [4, 4, 2]
    orders = []
    for _ in range(2):
        pyfapi.utils.set_random_seed(3)
        b = da.ArrayBatcher([x], [x * 2], None, batch_size=4, shuffle=True)
        batches = list(b.epoch())
        for _, xb, yb, _, _ in batches:
            np.testing.assert_array_equal(yb[0], xb[0] * 2)  # x and y stay aligned
        orders.append(np.concatenate([xb[0] for _, xb, _, _, _ in batches]).ravel())
    np.testing.assert_array_equal(orders[0], orders[1])
    assert sorted(orders[0]) == list(range(10)) and list(orders[0]) != list(range(10))


def test_class_weights_to_sample_weights():
    w = da.class_weight_to_sample_weights(np.eye(3)[[0, 2, 1]], {0: 1.0, 1: 2.0, 2: 3.0})
    np.testing.assert_array_equal(w, [1.0, 3.0, 2.0])
    with pytest.raises(ValueError, match=r"no entry for classes \[2\]"):
        da.class_weight_to_sample_weights(np.array([0, 2]), {0: 1.0})


def test_bad_structures():
    with pytest.raises(ValueError, match="2 input"):
        da.standardize_inputs(np.zeros((2, 2)), ["a", "b"], ["float32"] * 2)
    with pytest.raises(ValueError, match="list of 3"):
        da.standardize_inputs([np.zeros(2)] * 3, ["a", "b"], ["float32"] * 2)
    with pytest.raises(ValueError, match="validation_data must be a tuple"):
        da.unpack_validation_data(np.zeros(3))


def test_array_batcher_never_cycles_and_continues_across_epochs():
    import warnings
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    b = da.ArrayBatcher([x], None, None, batch_size=3, steps=3)  # 4 batches
    first = [xb[0][:, 0].tolist() for _, xb, _, _, _ in b.epoch()]
    assert first == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    with pytest.warns(UserWarning, match="ran out of data"):
        second = [xb[0][:, 0].tolist() for _, xb, _, _, _ in b.epoch()]
    assert second == [[9]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        third = [xb[0][:, 0].tolist() for _, xb, _, _, _ in b.epoch()]
    assert third == first  # a new pass
    with pytest.warns(UserWarning, match="ran out of data"):
        big = list(da.ArrayBatcher([x], batch_size=3, steps=10 ** 9).epoch())
    assert [s for *_, s in big] == [3, 3, 3, 1]


@pytest.mark.parametrize("bad", [0, -1, 2.5, 3.0, True, None, "3"])
def test_check_positive_int_rejects(bad):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        da.check_positive_int(bad, "batch_size", allow_none=False)
    with pytest.raises(ValueError, match="batch_size"):
        da.ArrayBatcher([np.zeros((4, 1))], batch_size=bad)


def test_check_positive_int_accepts():
    assert da.check_positive_int(None, "steps") is None
    assert type(da.check_positive_int(np.int64(3), "steps")) is int
    assert da.check_positive_int(7, "steps") == 7
