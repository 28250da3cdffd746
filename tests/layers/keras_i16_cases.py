"""Cases shared by tests/layers/test_i16_vs_keras.py and the real-Keras child process it runs
(``python keras_i16_cases.py OUT.npz`` with KERAS_BACKEND=jax): each case builds one layer with
the module ``L`` (keras.layers or pyfapi.layers), gives its inputs and call keywords."""
import json
import sys

import numpy as np

_R = np.random.default_rng(16)


def _x(*shape):
    return _R.standard_normal(shape).astype(np.float32)


Q, V, K7 = _x(2, 5, 8), _x(2, 6, 8), _x(2, 6, 7)
SELF = _x(2, 5, 8)
MASK = _R.random((2, 5, 6)) > 0.3
MASK[:, :, 0] = True
SELF_MASK = _R.random((2, 5, 5)) > 0.3
IMG = _x(2, 3, 4, 6)
QM, VM = _R.random((2, 5)) > 0.3, _R.random((2, 6)) > 0.3
VM[:, 0] = True
ACT_X = (_R.standard_normal((3, 8)) * 3).astype(np.float32)

# name -> (make(L), inputs (list: positional), call kwargs)
CASES = {
    "mha_basic": (lambda L: L.MultiHeadAttention(2, 3), [Q, V], {}),
    "mha_key_mask_scores": (lambda L: L.MultiHeadAttention(3, 4, value_dim=5, output_shape=7),
                            [Q, V, K7], {"attention_mask": MASK, "return_attention_scores": True}),
    "mha_causal": (lambda L: L.MultiHeadAttention(2, 4), [SELF, SELF], {"use_causal_mask": True}),
    "mha_causal_and_mask": (lambda L: L.MultiHeadAttention(2, 4, use_bias=False), [SELF, SELF],
                            {"use_causal_mask": True, "attention_mask": SELF_MASK}),
    "mha_mask_dropout_path": (lambda L: L.MultiHeadAttention(2, 4), [SELF, SELF],
                              {"use_causal_mask": True, "attention_mask": SELF_MASK,
                               "return_attention_scores": True}),
    "mha_axes": (lambda L: L.MultiHeadAttention(2, 3, attention_axes=(1, 2)), [IMG, IMG], {}),
    "einsum_3d": (lambda L: L.EinsumDense("abc,cd->abd", (None, 7), bias_axes="d"), [Q], {}),
    "einsum_ellipsis": (lambda L: L.EinsumDense("...b,bc->...c", 5, activation="relu",
                                                bias_axes="c"), [Q], {}),
    "einsum_heads": (lambda L: L.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de"),
                     [Q], {}),
    "attention_dot": (lambda L: L.Attention(use_scale=True), [[Q, V]],
                      {"mask": [QM, VM], "return_attention_scores": True}),
    "attention_concat_causal": (lambda L: L.Attention(score_mode="concat"), [[SELF, SELF]],
                                {"use_causal_mask": True}),
    "additive_attention": (lambda L: L.AdditiveAttention(), [[Q, V, V]], {"mask": [QM, VM]}),
    "layernorm": (lambda L: L.LayerNormalization(), [Q], {}),
    "layernorm_axes": (lambda L: L.LayerNormalization(axis=[1, 2], epsilon=0.01), [IMG], {}),
    "relu_opts": (lambda L: L.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.5),
                  [ACT_X], {}),
    "relu6": (lambda L: L.ReLU(max_value=6.0), [ACT_X], {}),
    "leaky_relu": (lambda L: L.LeakyReLU(), [ACT_X], {}),
    "prelu": (lambda L: L.PReLU(shared_axes=[1]), [Q], {}),
    "elu": (lambda L: L.ELU(alpha=0.7), [ACT_X], {}),
    "conv2dt_same_s2": (lambda L: L.Conv2DTranspose(3, 3, strides=2, padding="same"), [IMG], {}),
    "conv2dt_valid_op": (lambda L: L.Conv2DTranspose(2, (2, 3), strides=(3, 2), output_padding=1,
                                                     activation="relu"), [IMG], {}),
    "conv2dt_same_op_dil": (lambda L: L.Conv2DTranspose(4, 3, padding="same", dilation_rate=2),
                            [IMG], {}),
    "conv2dt_same_op": (lambda L: L.Conv2DTranspose(2, 4, strides=3, padding="same",
                                                    output_padding=(2, 1)), [IMG], {}),
    "conv1dt": (lambda L: L.Conv1DTranspose(3, 5, strides=4, padding="same"), [Q], {}),
    "conv1dt_valid": (lambda L: L.Conv1DTranspose(2, 2, strides=5, use_bias=False), [Q], {}),
    "upsampling1d": (lambda L: L.UpSampling1D(3), [Q], {}),
    "upsampling2d_nearest": (lambda L: L.UpSampling2D((2, 3)), [IMG], {}),
    "upsampling2d_bilinear": (lambda L: L.UpSampling2D((3, 2), interpolation="bilinear"), [IMG], {}),
    "upsampling2d_bicubic": (lambda L: L.UpSampling2D((3, 2), interpolation="bicubic"), [IMG], {}),
    "upsampling2d_lanczos3": (lambda L: L.UpSampling2D((2, 3), interpolation="lanczos3"), [IMG], {}),
    "upsampling2d_lanczos5": (lambda L: L.UpSampling2D(2, interpolation="lanczos5"), [IMG], {}),
    "zeropadding1d": (lambda L: L.ZeroPadding1D((1, 3)), [Q], {}),
    "zeropadding2d": (lambda L: L.ZeroPadding2D(((1, 0), (2, 3))), [IMG], {}),
    "cropping1d": (lambda L: L.Cropping1D((1, 2)), [Q], {}),
    "cropping2d": (lambda L: L.Cropping2D(((1, 0), (1, 2))), [IMG], {}),
    "permute": (lambda L: L.Permute((3, 1, 2)), [IMG], {}),
    "identity": (lambda L: L.Identity(), [Q], {}),
    "groupnorm": (lambda L: L.GroupNormalization(groups=3), [IMG], {}),
    "groupnorm_axis1": (lambda L: L.GroupNormalization(groups=1, axis=1, epsilon=0.1), [IMG], {}),
    "unitnorm": (lambda L: L.UnitNormalization(axis=[1, 2]), [IMG], {}),
    "activity_reg": (lambda L: L.ActivityRegularization(l1=0.1, l2=0.01), [Q], {}),
    "gaussian_noise_infer": (lambda L: L.GaussianNoise(0.5), [Q], {}),
    "gaussian_dropout_infer": (lambda L: L.GaussianDropout(0.5), [Q], {}),
    "alpha_dropout_infer": (lambda L: L.AlphaDropout(0.5), [Q], {}),
    "spatial_dropout2d_infer": (lambda L: L.SpatialDropout2D(0.5), [IMG], {}),
    "softmax_mask": (lambda L: L.Softmax(axis=-1), [MASK.astype(np.float32) * 2 - 1 + V[:, :5, :6]],
                     {"mask": MASK}),
}

# sparsemax is left out: Keras 3.15 on JAX returns rows that do not sum to 1 (e.g. row 2 of
# ACT_X: 0.14 in total); tests/layers/test_activation_layers.py checks it against numpy.
ACTIVATION_NAMES = ["celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid",
                    "hard_silu", "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid",
                    "log_softmax", "mish", "relu", "relu6", "selu", "sigmoid", "silu",
                    "soft_shrink", "softmax", "softplus", "softsign", "sparse_plus",
                    "sparse_sigmoid", "squareplus", "swish", "tanh", "tanh_shrink"]


def _np(t):
    return np.asarray(t)


def encoder_model(L, Input, Model):
    """A small transformer encoder block (MHA + LayerNormalization + Dense + residual adds),
    built with either library: used for the weight-file exchange with Keras."""
    inp = Input((6, 8))
    a = L.MultiHeadAttention(2, 4, name="mha")(inp, inp, use_causal_mask=True)
    x = L.LayerNormalization(name="ln1")(L.Add()([inp, a]))
    f = L.Dense(8, name="ff2")(L.Dense(16, activation="relu", name="ff1")(x))
    return Model(inp, L.LayerNormalization(name="ln2")(L.Add()([x, f])))


ENC_X = _x(3, 6, 8)


def run_keras(out_path):
    """Child process: real Keras on JAX; random weights set on each layer; everything saved."""
    import keras

    res, meta = {}, {}
    for name, (make, inputs, kw) in CASES.items():
        layer = make(keras.layers)
        out = layer(*inputs, **kw)
        rng = np.random.default_rng(7)
        ws = [rng.uniform(-1, 1, w.shape).astype(np.float32) for w in layer.get_weights()]
        layer.set_weights(ws)
        out = layer(*inputs, **kw)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        for i, w in enumerate(ws):
            res[f"{name}/w{i}"] = w
        for i, o in enumerate(outs):
            res[f"{name}/out{i}"] = _np(o)
        meta[name] = {"n_w": len(ws), "n_out": len(outs), "params": int(layer.count_params()),
                      "config": layer.get_config(),
                      "names": [w.path.split("/")[-1] for w in layer.weights]}
    for a in ACTIVATION_NAMES:
        res[f"act/{a}"] = _np(keras.activations.get(a)(ACT_X))
    # weight files both ways: Keras writes one for pyfapi, reads the one pyfapi wrote
    model = encoder_model(keras.layers, keras.Input, keras.Model)
    rng = np.random.default_rng(3)
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype(np.float32)
                       for w in model.get_weights()])
    model.save_weights(out_path + ".keras_enc.weights.h5")
    model.save(out_path + ".keras_enc.keras")  # a whole Keras archive (MHA config + weights)
    res["enc/keras_out"] = _np(model.predict(ENC_X, verbose=0))
    import os
    if os.path.exists(out_path + ".pyfapi_enc.weights.h5"):
        model.load_weights(out_path + ".pyfapi_enc.weights.h5")
        res["enc/keras_on_pyfapi_weights"] = _np(model.predict(ENC_X, verbose=0))
    if os.path.exists(out_path + ".pyfapi_enc.keras"):  # a whole pyfapi .keras archive
        loaded = keras.saving.load_model(out_path + ".pyfapi_enc.keras")
        res["enc/keras_on_pyfapi_archive"] = _np(loaded.predict(ENC_X, verbose=0))
    np.savez(out_path, **res)
    with open(out_path + ".json", "w") as f:
        json.dump(meta, f, default=lambda o: list(o) if isinstance(o, tuple) else str(o))


if __name__ == "__main__":
    run_keras(sys.argv[1])
