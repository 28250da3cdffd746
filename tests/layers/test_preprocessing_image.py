"""Image ops (C++ resize / affine warp) and image preprocessing layers: real Keras 3 (JAX) values
(subprocess), numpy references, 1 vs 2 threads bitwise, identity at inference, seeds, saving, an
image classifier with Rescaling and augmentation inside the model."""
import json

import numpy as np
import pytest

import pyfapi
from pyfapi import _C, layers
from pyfapi.ops import image as image_ops
from pyfapi.layers.preprocessing.image_utils import (rotation_matrix, translation_matrix,
                                                     zoom_matrix)
from keras_ref import keras_available, run_keras

RNG = np.random.default_rng(3)
_keras = pytest.mark.skipif(not keras_available(), reason="real Keras 3 (JAX) not importable")

RESIZE_CASES = [  # (in shape, size, interpolation, antialias, crop, pad)
    ((2, 7, 5, 3), (3, 11), "bilinear", False, False, False),
    ((1, 1, 1, 2), (5, 3), "bilinear", False, False, False),
    ((2, 13, 17, 1), (4, 4), "bilinear", False, False, False),
    ((2, 13, 17, 1), (4, 5), "bilinear", True, False, False),
    ((1, 9, 6, 3), (14, 4), "nearest", False, False, False),
    ((2, 8, 11, 2), (5, 13), "bicubic", False, False, False),
    ((1, 12, 10, 3), (5, 7), "bicubic", True, False, False),
    ((1, 10, 9, 2), (7, 7), "lanczos3", False, False, False),
    ((2, 10, 16, 3), (6, 6), "bilinear", False, True, False),
    ((1, 10, 16, 3), (6, 6), "bilinear", False, False, True),
    ((1, 16, 9, 3), (5, 8), "nearest", False, True, False),
]
FILL_MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]


def _np(y):
    return np.asarray(y.numpy() if hasattr(y, "numpy") else y)


@_keras
def test_resize_and_affine_match_keras_jax(tmp_path):
    inputs, transforms = {}, {}
    for i, (shape, *_rest) in enumerate(RESIZE_CASES):
        inputs[f"r{i}"] = RNG.uniform(0, 255, shape).astype(np.float32)
    img = RNG.uniform(0, 1, (3, 9, 11, 2)).astype(np.float32)
    mats = np.concatenate([rotation_matrix([17.0, -130.0, 90.0], 9, 11),
                           zoom_matrix([0.7, 1.3, 1.0], [1.2, 0.8, 1.0], 9, 11),
                           translation_matrix([2.5, -3.0, 0.0], [-1.25, 4.0, 9.5])])
    np.savez(tmp_path / "in.npz", img=img, mats=mats, **inputs)
    (tmp_path / "cases.json").write_text(json.dumps(RESIZE_CASES))
    run_keras("""
        import json, numpy as np, keras
        d = np.load("in.npz"); cases = json.load(open("cases.json")); out = {}
        for i, (shape, size, interp, aa, crop, pad) in enumerate(cases):
            out[f"r{i}"] = np.asarray(keras.ops.image.resize(d[f"r{i}"], size,
                interpolation=interp, antialias=aa, crop_to_aspect_ratio=crop,
                pad_to_aspect_ratio=pad, fill_value=3.0))
        for m in ("constant", "nearest", "wrap", "mirror", "reflect"):
            for interp in ("bilinear", "nearest"):
                for j in range(0, 9, 3):
                    out[f"a_{m}_{interp}_{j}"] = np.asarray(keras.ops.image.affine_transform(
                        d["img"], d["mats"][j:j + 3], interpolation=interp, fill_mode=m,
                        fill_value=0.5))
        # Keras's own transformation matrices for given parameters
        rot = keras.layers.RandomRotation(0.1)
        out["rotmat"] = np.asarray(rot._compute_affine_matrix(
            center_x=0.5, center_y=0.5, angle=keras.ops.convert_to_tensor([17.0, -130.0, 90.0]),
            translate_x=keras.ops.zeros([3]), translate_y=keras.ops.zeros([3]),
            scale=keras.ops.ones([3]), shear_x=keras.ops.zeros([3]), shear_y=keras.ops.zeros([3]),
            height=9, width=11))
        z = keras.layers.RandomZoom(0.1)
        out["zoommat"] = np.asarray(z._get_zoom_matrix(keras.ops.convert_to_tensor(
            [[1.2, 0.7], [0.8, 1.3], [1.0, 1.0]]), 9, 11))
        t = keras.layers.RandomTranslation(0.1, 0.1)
        out["transmat"] = np.asarray(t._get_translation_matrix(keras.ops.convert_to_tensor(
            [[2.5, -1.25], [-3.0, 4.0], [0.0, 9.5]])))
        out["patches"] = np.asarray(keras.ops.image.extract_patches(d["img"], (2, 3),
                                                                     strides=(2, 2)))
        out["patches_same"] = np.asarray(keras.ops.image.extract_patches(d["img"], 3,
                                                                          padding="same"))
        out["crop"] = np.asarray(keras.ops.image.crop_images(d["img"], top_cropping=2,
                                                              left_cropping=1, target_height=5,
                                                              target_width=7))
        out["pad"] = np.asarray(keras.ops.image.pad_images(d["img"], top_padding=1,
                                                            bottom_padding=2, left_padding=3,
                                                            right_padding=0))
        np.savez("out.npz", **out)
        L = keras.layers
        cfgs = {type(l).__name__: sorted(l.get_config()) for l in (
            L.Resizing(3, 4), L.CenterCrop(3, 4), L.RandomFlip(), L.RandomRotation(0.2),
            L.RandomZoom(0.2), L.RandomTranslation(0.1, 0.2), L.RandomCrop(3, 4),
            L.RandomContrast(0.2), L.RandomBrightness(0.2))}
        json.dump(cfgs, open("cfg.json", "w"))
    """, cwd=tmp_path)
    kcfg = json.loads((tmp_path / "cfg.json").read_text())
    L = layers
    for l in (L.Resizing(3, 4), L.CenterCrop(3, 4), L.RandomFlip(), L.RandomRotation(0.2),
              L.RandomZoom(0.2), L.RandomTranslation(0.1, 0.2), L.RandomCrop(3, 4),
              L.RandomContrast(0.2), L.RandomBrightness(0.2)):
        assert sorted(l.get_config()) == kcfg[type(l).__name__], type(l).__name__
    k = np.load(tmp_path / "out.npz")
    for i, (shape, size, interp, aa, crop, pad) in enumerate(RESIZE_CASES):
        got = image_ops.resize(inputs[f"r{i}"], size, interpolation=interp, antialias=aa,
                               crop_to_aspect_ratio=crop, pad_to_aspect_ratio=pad, fill_value=3.0)
        np.testing.assert_allclose(got, k[f"r{i}"], rtol=1e-5, atol=2e-3,
                                   err_msg=str(RESIZE_CASES[i]))
    np.testing.assert_allclose(mats[0:3], k["rotmat"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(mats[3:6], k["zoommat"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(mats[6:9], k["transmat"], rtol=1e-6, atol=1e-6)
    for m in FILL_MODES:
        for interp in ("bilinear", "nearest"):
            for j in range(0, 9, 3):
                got = image_ops.affine_transform(img, mats[j:j + 3], interpolation=interp,
                                                 fill_mode=m, fill_value=0.5)
                exp = k[f"a_{m}_{interp}_{j}"]
                if interp == "nearest":  # float32 coordinates a hair off a .5 tie may differ
                    assert np.mean(np.abs(got - exp) > 1e-5) < 0.005, (m, j)
                else:
                    np.testing.assert_allclose(got, exp, atol=2e-5, err_msg=f"{m} {interp} {j}")
    np.testing.assert_allclose(image_ops.extract_patches(img, (2, 3), strides=(2, 2)),
                               k["patches"])
    np.testing.assert_allclose(image_ops.extract_patches(img, 3, padding="same"),
                               k["patches_same"])
    np.testing.assert_allclose(image_ops.crop_images(img, top_cropping=2, left_cropping=1,
                                                     target_height=5, target_width=7), k["crop"])
    np.testing.assert_allclose(image_ops.pad_images(img, top_padding=1, bottom_padding=2,
                                                    left_padding=3, right_padding=0), k["pad"])


def _area_reference(x, oh, ow):
    """TensorFlow's resize_area in float64: each output averages the input area it covers."""
    def mat(n, m):
        s = n / m
        w = np.zeros((m, n))
        for o in range(m):
            for j in range(n):
                w[o, j] = max(0.0, min((o + 1) * s, j + 1) - max(o * s, j)) / s
        return w
    return np.einsum("oh,nhwc,pw->nopc", mat(x.shape[1], oh), x.astype(np.float64),
                     mat(x.shape[2], ow))


@pytest.mark.parametrize("shape,size", [((2, 12, 9, 3), (4, 3)), ((1, 7, 5, 2), (3, 2)),
                                        ((1, 3, 4, 1), (7, 9)), ((1, 1, 1, 1), (2, 3))])
def test_area_resize_numpy_reference(shape, size):
    x = RNG.uniform(0, 1, shape).astype(np.float32)
    np.testing.assert_allclose(image_ops.resize(x, size, interpolation="area"),
                               _area_reference(x, *size), rtol=1e-5, atol=1e-6)


def test_area_resize_equals_torch_adaptive_pool_for_integer_factors():
    torch = pytest.importorskip("torch")
    x = RNG.uniform(0, 1, (2, 12, 9, 3)).astype(np.float32)
    ref = torch.nn.functional.adaptive_avg_pool2d(torch.from_numpy(x).permute(0, 3, 1, 2),
                                                  (4, 3)).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(image_ops.resize(x, (4, 3), interpolation="area"), ref,
                               rtol=1e-5, atol=1e-6)


def test_bilinear_upsample_equals_torch_half_pixel():
    torch = pytest.importorskip("torch")
    x = RNG.uniform(0, 1, (2, 5, 7, 3)).astype(np.float32)
    ref = torch.nn.functional.interpolate(torch.from_numpy(x).permute(0, 3, 1, 2), size=(11, 13),
                                          mode="bilinear", align_corners=False)
    np.testing.assert_allclose(image_ops.resize(x, (11, 13)),
                               ref.permute(0, 2, 3, 1).numpy(), rtol=1e-5, atol=1e-6)


def test_kernels_bitwise_equal_on_1_and_2_threads():
    x = RNG.uniform(0, 1, (3, 23, 31, 5)).astype(np.float32)
    mats = rotation_matrix([10.0, 200.0, -45.0], 23, 31)
    outs = []
    old = pyfapi.get_num_threads()
    try:
        for n in (1, 2):
            pyfapi.set_num_threads(n)
            _C._set_force_threads(True)
            outs.append((image_ops.resize(x, (40, 17), interpolation="bicubic"),
                         image_ops.resize(x, (7, 9), interpolation="area"),
                         image_ops.affine_transform(x, mats, fill_mode="reflect")))
            _C._set_force_threads(False)
    finally:
        _C._set_force_threads(False)
        pyfapi.set_num_threads(old)
    for a, b in zip(*outs):
        assert np.array_equal(a, b)


def test_image_ops_errors():
    with pytest.raises(ValueError, match="rank"):
        image_ops.resize(np.ones((4, 4)), (2, 2))
    with pytest.raises(ValueError, match="interpolation"):
        image_ops.resize(np.ones((4, 4, 1)), (2, 2), interpolation="cubic")
    with pytest.raises(ValueError, match="fill_mode"):
        image_ops.affine_transform(np.ones((4, 4, 1)), np.zeros(8), fill_mode="edge")
    with pytest.raises(ValueError, match="transform"):
        image_ops.affine_transform(np.ones((2, 4, 4, 1)), np.zeros((3, 8)))
    with pytest.raises(ValueError, match="positive"):
        image_ops.resize(np.ones((4, 4, 1)), (0, 2))


# ---- layers -------------------------------------------------------------------------------
AUGMENT = [
    lambda s: layers.RandomFlip(seed=s),
    lambda s: layers.RandomRotation(0.3, seed=s),
    lambda s: layers.RandomZoom(0.3, seed=s),
    lambda s: layers.RandomTranslation(0.2, 0.3, seed=s),
    lambda s: layers.RandomCrop(5, 6, seed=s),
    lambda s: layers.RandomContrast(0.5, seed=s),
    lambda s: layers.RandomBrightness(0.3, seed=s),
]


@pytest.mark.parametrize("make", AUGMENT)
def test_augmentation_identity_at_inference_and_seeded(make):
    """As Keras 3: a direct call augments (``training`` defaults to True), ``training=False``
    (predict / evaluate) passes the images through."""
    x = RNG.uniform(0, 255, (4, 9, 11, 3)).astype(np.float32)
    layer = make(5)
    np.testing.assert_array_equal(_np(layer(x, training=False)), x)
    np.testing.assert_array_equal(_np(make(5)(x)), _np(make(5)(x, training=True)))
    model = pyfapi.Sequential([pyfapi.Input((9, 11, 3)), make(5)])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    a = _np(make(5)(x, training=True))
    b = _np(make(5)(x, training=True))
    np.testing.assert_array_equal(a, b)  # same seed, same transformation
    first = _np(layer(x, training=True))
    again = [_np(layer(x, training=True)) for _ in range(3)]
    assert any(not np.array_equal(first, g) for g in again)  # the stream advances
    assert first.dtype == np.float32
    single = _np(make(5)(x[0], training=True))
    assert single.ndim == 3
    with pytest.raises(ValueError, match="rank"):
        layer(np.ones((9, 11)), training=True)


def test_flip_contrast_brightness_numpy_references():
    x = RNG.uniform(0, 255, (3, 4, 5, 2)).astype(np.float32)
    f = layers.RandomFlip("horizontal_and_vertical")
    out = f.transform(x, None, flips=[True, False, True])
    np.testing.assert_array_equal(out[0], x[0, ::-1, ::-1])
    np.testing.assert_array_equal(out[1], x[1])
    np.testing.assert_array_equal(layers.RandomFlip("horizontal").transform(
        x, None, flips=[True] * 3), x[:, :, ::-1])
    c = layers.RandomContrast(0.5)
    mean = x.astype(np.float64).mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(c.adjust(x, [1.5, 0.5, 1.0]),
                               np.clip((x - mean) * np.array([1.5, .5, 1.])[:, None, None, None]
                                       + mean, 0, 255), rtol=1e-5, atol=1e-3)
    assert c.factor == (0.0, 0.5)  # Keras's rule for a number in [0, 1]
    b = layers.RandomBrightness(0.2, value_range=(0, 255))
    np.testing.assert_allclose(b.adjust(x, [10.0, -300.0, 0.0]),
                               np.clip(x + np.array([10., -300., 0.])[:, None, None, None], 0,
                                       255))
    with pytest.raises(ValueError, match="factor"):
        layers.RandomBrightness(1.5)
    with pytest.raises(ValueError, match="factor"):
        layers.RandomRotation((0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match="mode"):
        layers.RandomFlip("diagonal")


def test_resizing_centercrop_layers():
    x = RNG.uniform(0, 255, (2, 10, 16, 3)).astype(np.uint8)
    r = layers.Resizing(5, 8, interpolation="area")
    y = _np(r(x))
    assert y.shape == (2, 5, 8, 3) and y.dtype == np.float32
    np.testing.assert_allclose(y, _area_reference(x, 5, 8), rtol=1e-5, atol=1e-3)
    assert r.compute_output_shape((None, 10, 16, 3)) == (None, 5, 8, 3)
    c = layers.CenterCrop(4, 6)
    np.testing.assert_array_equal(_np(c(x)), x[:, 3:7, 5:11].astype(np.float32))
    small = _np(layers.CenterCrop(20, 20)(x))
    assert small.shape == (2, 20, 20, 3)
    with pytest.raises(ValueError, match="Resizing"):
        layers.Resizing(5, 8)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="interpolation"):
        layers.Resizing(5, 8, interpolation="spline")
    with pytest.raises(ValueError, match="height"):
        layers.CenterCrop(0, 3)


def test_image_model_saves_and_reloads(tmp_path):
    inp = pyfapi.Input((12, 10, 3))
    h = layers.Resizing(8, 8)(inp)
    h = layers.Rescaling(1 / 255.)(h)
    h = layers.RandomFlip(seed=1)(h)
    h = layers.RandomRotation(0.1, seed=2)(h)
    h = layers.CenterCrop(6, 6)(h)
    out = layers.Dense(2)(layers.Flatten()(h))
    model = pyfapi.Model(inp, out)
    x = RNG.uniform(0, 255, (3, 12, 10, 3)).astype(np.float32)
    y0 = _np(model.predict(x, verbose=0))
    model.save(tmp_path / "img.keras")
    loaded = pyfapi.models.load_model(tmp_path / "img.keras")
    np.testing.assert_array_equal(_np(loaded.predict(x, verbose=0)), y0)
    names = [type(l).__name__ for l in loaded.layers]
    assert "RandomRotation" in names and "Resizing" in names


def test_image_classifier_with_augmentation_trains():
    pyfapi.utils.set_random_seed(0)
    n = 160
    y = np.arange(n) % 2
    x = np.zeros((n, 10, 10, 1), np.float32)
    x[y == 0, 2:8, 4:6] = 255.0  # vertical bar
    x[y == 1, 4:6, 2:8] = 255.0  # horizontal bar
    x += RNG.uniform(0, 30, x.shape).astype(np.float32)
    inp = pyfapi.Input((10, 10, 1))
    h = layers.Rescaling(1 / 255.)(inp)
    h = layers.RandomFlip("horizontal", seed=3)(h)
    h = layers.RandomTranslation(0.1, 0.1, seed=4)(h)
    h = layers.Conv2D(4, 3, activation="relu")(h)
    h = layers.GlobalAveragePooling2D()(h)
    out = layers.Dense(2, activation="softmax")(h)
    model = pyfapi.Model(inp, out)
    model.compile(optimizer=pyfapi.optimizers.Adam(0.03), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    hist = model.fit(x, y, epochs=12, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < 0.7 * hist.history["loss"][0]
    acc = np.mean(np.argmax(_np(model.predict(x, verbose=0)), -1) == y)
    assert acc > 0.85
