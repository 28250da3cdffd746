"""pyfapi.utils: to_categorical (Keras 3 semantics) vs a numpy reference."""
import numpy as np
import pytest

from pyfapi.utils import to_categorical


def test_to_categorical_shapes_and_values():
    y = to_categorical([0, 2, 1], num_classes=4)
    assert y.shape == (3, 4) and y.dtype == np.float64
    np.testing.assert_array_equal(y, np.eye(4)[[0, 2, 1]])
    np.testing.assert_array_equal(to_categorical(np.array([3, 0])), np.eye(4)[[3, 0]])
    # a trailing axis of 1 is dropped; other shapes keep theirs
    assert to_categorical(np.array([[1], [0]]), 3).shape == (2, 3)
    z = to_categorical(np.array([[1, 0, 2], [2, 2, 0]]), 3)
    assert z.shape == (2, 3, 3)
    np.testing.assert_array_equal(z.argmax(-1), [[1, 0, 2], [2, 2, 0]])
    assert to_categorical(np.array([1.0, 0.0]), 2).shape == (2, 2)
    assert to_categorical(np.zeros((0,), np.int64), 3).shape == (0, 3)


def test_to_categorical_errors():
    with pytest.raises(ValueError, match="class id 5.*\\[0, 3\\)"):
        to_categorical([0, 5], num_classes=3)
    with pytest.raises(ValueError, match="class id -1"):
        to_categorical([0, -1], num_classes=3)
    with pytest.raises(ValueError, match="integer"):
        to_categorical([0.5, 1.0])
    with pytest.raises(ValueError, match="num_classes"):
        to_categorical([0, 1], num_classes=-2)


def test_to_categorical_keras_parity():
    keras = pytest.importorskip("keras")
    for x, n in (([0, 3, 1], None), (np.array([[1], [2]]), 4), (np.array([[0, 1], [1, 1]]), 2)):
        np.testing.assert_array_equal(to_categorical(x, n), keras.utils.to_categorical(x, n))


def test_progbar_as_keras_averages_pairs_and_keeps_stateful_values(capsys):
    """keras.utils.Progbar: values given as (name, value) pairs are averaged over the steps seen
    (weighted by the step increment), stateful metrics shown as given; add(n) advances."""
    from pyfapi.utils import Progbar
    bar = Progbar(4, verbose=2, stateful_metrics=["acc"])
    bar.update(1, [("loss", 4.0), ("acc", 0.5)])
    bar.update(3, [("loss", 1.0), ("acc", 0.75)])  # loss: (4*1 + 1*2) / 3 = 2.0
    bar.add(1, [("loss", 2.0), ("acc", 0.9)])      # loss: (6 + 2) / 4 = 2.0; final line
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("4/4")
    assert "loss: 2.0000" in out[0] and "acc: 0.9000" in out[0]
    assert bar.seen == 4
