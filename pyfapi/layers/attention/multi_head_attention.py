"""MultiHeadAttention (Keras 3: keras/src/layers/attention/multi_head_attention.py; Vaswani et
al. 2017, "Attention is all you need").

Projections are :class:`~pyfapi.layers.EinsumDense` sub-layers named ``query``, ``key``,
``value`` and ``attention_output`` with Keras's kernel layouts ((dim, num_heads, key_dim), ...,
(num_heads, value_dim, dim)), so weights move to and from Keras unchanged. Per head::

    scores = softmax(mask(Q K^T / sqrt(key_dim)))      (num_heads, T, S) per example
    output = attention_output(dropout(scores) V)
"""
from __future__ import annotations

import math
import string

import numpy as np

from pyfapi import constraints, initializers, ops, regularizers
from pyfapi.autodiff import Tensor
from pyfapi.graph.keras_tensor import KerasTensor
from pyfapi.layers.activations.softmax import masked_softmax
from pyfapi.layers.base import Layer
from pyfapi.layers.core.einsum_dense import EinsumDense
from pyfapi.layers.layer_utils import serialize_initializer, serialize_object
from pyfapi.layers.regularization.dropout import Dropout
from pyfapi.ops.fused_attention import fused_attention

__all__ = ["MultiHeadAttention"]


def _letter(i):
    return string.ascii_lowercase[i]


def build_attention_equation(rank, attn_axes):
    """(dot-product equation, combine equation, scores rank) for projected tensors of ``rank``
    attending over ``attn_axes`` (Keras's construction; the dot product takes (query, key))."""
    target = "".join(_letter(i) for i in range(rank))
    batch_dims = tuple(i for i in range(rank) if i not in attn_axes + (rank - 1,))
    off = rank
    source = ""
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _letter(off)
            off += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attn_axes]
                      + [source[i] for i in attn_axes])
    return f"{target},{source}->{product}", f"{product},{source}->{target}", len(product)


def build_proj_equation(free_dims, bound_dims, output_dims):
    """(equation, bias_axes, output rank) of a projection EinsumDense (Keras's construction)."""
    inp = kern = out = bias = ""
    off = 0
    for i in range(free_dims):
        c = _letter(i + off)
        inp += c
        out += c
    off += free_dims
    for i in range(bound_dims):
        c = _letter(i + off)
        inp += c
        kern += c
    off += bound_dims
    for i in range(output_dims):
        c = _letter(i + off)
        kern += c
        out += c
        bias += c
    return f"{inp},{kern}->{out}", bias, len(out)


def _out_shape(rank, known):
    return [None] * (rank - len(known)) + list(known)


def _shape(x):
    return tuple(x.shape)


class MultiHeadAttention(Layer):
    """Multi-head (scaled dot-product) attention.

    Call: ``layer(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False)`` with query (B, T, dim), value (B, S, dim_v), key
    (B, S, dim_k) (default value); more attention axes with ``attention_axes``. Output
    (B, T, dim) (or (B, T, *output_shape)); with ``return_attention_scores`` also the softmax
    scores (B, num_heads, T, S).

    Masks (combined as Keras): ``attention_mask`` (B, T, S) bool (1 = attend; broadcast over
    heads), the query / value / key masks carried by masked inputs (``_keras_mask``), and the
    causal mask (query position i attends to value positions <= i).

    Weights (Keras order): query/kernel (dim, num_heads, key_dim), query/bias (num_heads,
    key_dim), key/kernel, key/bias, value/kernel (dim_v, num_heads, value_dim), value/bias,
    attention_output/kernel (num_heads, value_dim, dim), attention_output/bias (dim,).

    Args:
        num_heads, key_dim: positive ints. value_dim: default key_dim. dropout: on the scores
        (training only). use_bias, output_shape (int or tuple), attention_axes, initializers,
        regularizers, constraints, seed as Keras. ``use_gate``, ``sliding_window``,
        ``flash_attention``: only their defaults.

    Raises:
        ValueError: invalid num_heads / key_dim / value_dim; key and value that differ in a
            non-feature dimension, query / value ranks that differ, an attention mask not
            broadcastable to (B, T, S), inputs whose feature size differs from the built one --
            at graph-build time when the shapes are known (messages name the layer and shapes).
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        if isinstance(num_heads, bool) or not isinstance(num_heads, int) or num_heads <= 0:
            raise ValueError("Received an invalid value for argument `num_heads`, expected a "
                             f"positive integer. Received: num_heads={num_heads}")
        if isinstance(key_dim, bool) or not isinstance(key_dim, int) or key_dim <= 0:
            raise ValueError("Received an invalid value for argument `key_dim`, expected a "
                             f"positive integer. Received: key_dim={key_dim}")
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError("Received an invalid value for argument `value_dim`, expected a "
                             f"positive integer or `None`. Received: value_dim={value_dim}")
        if use_gate or sliding_window is not None or flash_attention:
            raise NotImplementedError("MultiHeadAttention: use_gate, sliding_window and "
                                      "flash_attention are not supported by pyfapi (only their "
                                      "defaults)")
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = float(dropout)
        self._use_bias = bool(use_bias)
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the "
                                 "`output_shape` should be of type tuple, list, or int.") from None
        self._output_shape = output_shape or None
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError("`attention_axes` must be an int, list, or tuple."
                             f"Received: attention_axes={attention_axes}")
        self._attention_axes = tuple(attention_axes) if attention_axes else None
        self._config_attention_axes = self._attention_axes
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))
        self._built_shapes = None
        self._key_given = False

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    # Keras 3 .weights.h5 layout: each projection under its own group (see pyfapi.saving).
    def _keras_weight_subgroups(self):
        return [("query_dense", self._query_dense), ("key_dense", self._key_dense),
                ("value_dense", self._value_dense), ("output_dense", self._output_dense)]

    def _sub_kwargs(self):
        def clone(init):
            get_config = getattr(init, "get_config", None)
            return type(init).from_config(get_config()) if get_config else init
        return dict(kernel_initializer=clone(self._kernel_initializer),
                    bias_initializer=clone(self._bias_initializer),
                    kernel_regularizer=self._kernel_regularizer,
                    bias_regularizer=self._bias_regularizer,
                    kernel_constraint=self._kernel_constraint,
                    bias_constraint=self._bias_constraint, dtype=self.dtype)

    def _check_shapes(self, query_shape, value_shape, key_shape):
        where = f"Layer '{self.name}' (MultiHeadAttention)"
        if len(query_shape) < 3 or len(value_shape) < 3 or len(key_shape) < 3:
            raise ValueError(f"{where}: query, value and key must have rank >= 3 (batch, ..., "
                             f"features). Received: query_shape={query_shape}, value_shape="
                             f"{value_shape}, key_shape={key_shape}")
        if len(query_shape) != len(value_shape):
            raise ValueError(f"{where}: query and value must have the same rank. Received: "
                             f"query_shape={query_shape}, value_shape={value_shape}")
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"{where}: all dimensions of `value` and `key`, except the last one, "
                             f"must be equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        for name, s in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if s[-1] is None:
                raise ValueError(f"{where}: the last dimension of `{name}` must be defined. "
                                 f"Received: {name}_shape={s}")
        qb, vb = query_shape[0], value_shape[0]
        if qb is not None and vb is not None and qb != vb:
            raise ValueError(f"{where}: query and value must have the same batch size. Received: "
                             f"query_shape={query_shape}, value_shape={value_shape}")

    def build(self, query_shape, value_shape=None, key_shape=None):
        """Creates the four EinsumDense projections (Keras names and layouts)."""
        self._key_given = key_shape is not None
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        self._check_shapes(query_shape, value_shape, key_shape)
        q_rank, v_rank, k_rank = len(query_shape), len(value_shape), len(key_shape)
        eq, bias, out_rank = build_proj_equation(q_rank - 1, 1, 2)
        self._query_dense = EinsumDense(eq, _out_shape(out_rank - 1, [self._num_heads,
                                                                        self._key_dim]),
                                        bias_axes=bias if self._use_bias else None, name="query",
                                        **self._sub_kwargs())
        self._query_dense.build(query_shape)
        eq, bias, out_rank = build_proj_equation(k_rank - 1, 1, 2)
        self._key_dense = EinsumDense(eq, _out_shape(out_rank - 1, [self._num_heads,
                                                                      self._key_dim]),
                                      bias_axes=bias if self._use_bias else None, name="key",
                                      **self._sub_kwargs())
        self._key_dense.build(key_shape)
        eq, bias, out_rank = build_proj_equation(v_rank - 1, 1, 2)
        self._value_dense = EinsumDense(eq, _out_shape(out_rank - 1, [self._num_heads,
                                                                        self._value_dim]),
                                        bias_axes=bias if self._use_bias else None, name="value",
                                        **self._sub_kwargs())
        self._value_dense.build(value_shape)
        rank = out_rank
        if self._config_attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else (rank - 1) + a
                                         for a in self._config_attention_axes)
            if any(not 1 <= a < rank - 2 for a in self._attention_axes):
                raise ValueError(f"Layer '{self.name}': attention_axes "
                                 f"{self._config_attention_axes} out of range for query shape "
                                 f"{query_shape}")
        self._dot_eq, self._combine_eq, scores_rank = build_attention_equation(
            rank, self._attention_axes)
        self._norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
        self._dropout_layer = Dropout(rate=self._dropout, seed=self.seed)
        out_shape = self._output_shape or [query_shape[-1]]
        eq, bias, o_rank = build_proj_equation(q_rank - 1, 2, len(out_shape))
        self._output_dense = EinsumDense(eq, _out_shape(o_rank - 1, out_shape),
                                         bias_axes=bias if self._use_bias else None,
                                         name="attention_output", **self._sub_kwargs())
        dense_in = list(self._query_dense.compute_output_shape(query_shape))
        dense_in[-1] = self._value_dim
        self._output_dense.build(tuple(dense_in))
        self._built_shapes = (query_shape, value_shape, key_shape)
        self.built = True

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise ValueError(f"Layer '{self.name}' (MultiHeadAttention) must be called with "
                             "`query` and `value` (and optionally `key`)")
        qs, vs = _shape(query), _shape(value)
        ks = _shape(key) if key is not None else vs
        if not self.built:
            self.build(qs, vs, ks if key is not None else None)
        else:
            self._check_shapes(qs, vs, ks)
            bq, bv, bk = self._built_shapes
            for name, got, want in (("query", qs, bq), ("value", vs, bv), ("key", ks, bk)):
                if len(got) != len(want) or got[-1] != want[-1]:
                    raise ValueError(f"Layer '{self.name}' (MultiHeadAttention) was built for "
                                     f"{name} shape {want}, received {name} shape {got}")
        mask = kwargs.get("attention_mask")
        if mask is not None:
            self._check_attention_mask(_shape(mask), qs, vs)
        return super().__call__(query, value, key, **kwargs)

    def _check_attention_mask(self, mshape, qs, vs):
        n = len(self._attention_axes)
        expected = (qs[0],) + tuple(qs[a] for a in self._attention_axes) + \
            tuple(vs[a] for a in self._attention_axes)
        ok = len(mshape) <= len(expected)
        if ok:
            for m, e in zip(mshape[::-1], expected[::-1]):
                if m is not None and e is not None and m != 1 and m != e:
                    ok = False
        if not ok:
            raise ValueError(f"Layer '{self.name}' (MultiHeadAttention): `attention_mask` must "
                             f"be broadcastable to (batch, query positions, key positions) = "
                             f"{expected} ({n} attention axis/axes). Received: attention_mask "
                             f"shape {mshape}, query shape {qs}, value shape {vs}")

    def _causal_mask(self, q_len, v_len):
        return np.tril(np.ones((1, q_len, v_len), dtype=bool))

    def _compute_attention_mask(self, query, value, query_mask, value_mask, key_mask,
                                attention_mask, use_causal_mask):
        auto = None
        if query_mask is not None:
            auto = np.expand_dims(np.asarray(getattr(query_mask, "value", query_mask), bool), -1)
        for m in (value_mask, key_mask):
            if m is not None:
                mm = np.expand_dims(np.asarray(getattr(m, "value", m), bool), -2)
                auto = mm if auto is None else auto & mm
        if use_causal_mask:
            c = self._causal_mask(query.shape[1], value.shape[1])
            auto = c if auto is None else auto & c
        if attention_mask is not None:
            attention_mask = np.asarray(getattr(attention_mask, "value", attention_mask))
            attention_mask = attention_mask.astype(bool)
        if auto is not None:
            attention_mask = auto if attention_mask is None else attention_mask & auto
        return attention_mask

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False):
        # Keras 3 runs its fused dot-product attention when there is no dropout, no request for
        # the scores and rank-4 projections: there a fully masked query row attends uniformly;
        # on the explicit-softmax path (Softmax layer) its weights are zeros. Same here -- and
        # the explicit path with dropout runs on the fused kernel too (dropout applied inside,
        # the mask the Dropout layer would draw; fully masked rows zeros as Keras's).
        keras_fused = not (self._dropout > 0.0 or return_attention_scores or len(query.shape) != 4)
        fused_path = not (return_attention_scores or len(query.shape) != 4)
        query = ops.multiply(query, self._inverse_sqrt_key_dim)
        if attention_mask is not None:
            axis = -len(self._attention_axes) * 2 - 1
            scores_rank = len(query.shape) - 1 + len(self._attention_axes)
            for _ in range(scores_rank - attention_mask.ndim):
                attention_mask = np.expand_dims(attention_mask, axis)
        if fused_path and self._dot_eq == "abcd,aecd->acbe" and all(
                isinstance(t, Tensor) and t.dtype in (np.float32, np.float64)
                for t in (query, key, value)):
            # one C++ pass per (batch, head): q k^T, the masked softmax and P v stay in cache
            # (pyfapi.ops.fused_attention; the same numbers as the einsum / softmax path below)
            drop = self._dropout > 0.0 and bool(training)
            return fused_attention(query, key, value, attention_mask,
                                   uniform_if_all_masked=keras_fused,
                                   dropout_rate=self._dropout if drop else 0.0,
                                   dropout_seed=self._dropout_layer._mask_seed() if drop else 0), None
        scores = ops.einsum(self._dot_eq, query, key)
        scores = masked_softmax(scores, self._norm_axes, attention_mask,
                                where=f"Layer '{self.name}' (MultiHeadAttention)",
                                zero_masked=not keras_fused)
        final = self._dropout_layer(scores, training=training) if self._dropout > 0 else scores
        return ops.einsum(self._combine_eq, final, value), scores

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        """Attention output (and the scores when ``return_attention_scores``)."""
        if key is None:
            key = value
        query_mask = getattr(query, "_keras_mask", None) if query_mask is None else query_mask
        if value_mask is None:
            value_mask = getattr(value, "_keras_mask", None)
        if key_mask is None and key is not value:
            key_mask = getattr(key, "_keras_mask", None)
        for t in (query, value, key):  # handled here, as Keras: the projections see no mask
            if getattr(t, "_keras_mask", None) is not None:
                try:
                    t._keras_mask = None
                except AttributeError:
                    pass
        mask = self._compute_attention_mask(query, value, query_mask, value_mask, key_mask,
                                            attention_mask, use_causal_mask)
        q = self._query_dense(query)
        k = self._key_dense(key)
        v = self._value_dense(value)
        out, scores = self._compute_attention(q, k, v, mask, training, return_attention_scores)
        out = self._output_dense(out)
        if query_mask is not None:
            try:
                out._keras_mask = query_mask
            except AttributeError:
                pass
        return (out, scores) if return_attention_scores else out

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        """query shape with the last axis replaced by output_shape (default: query's)."""
        query_shape = tuple(query_shape)
        if value_shape is not None:
            vs = tuple(value_shape)
            ks = vs if key_shape is None else tuple(key_shape)
            if vs[1:-1] != ks[1:-1]:
                raise ValueError(f"Layer '{self.name}': all dimensions of `value` and `key`, "
                                 f"except the last one, must be equal. Received: value_shape="
                                 f"{vs} and key_shape={ks}")
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def compute_output_spec(self, query, value=None, key=None, query_mask=None, value_mask=None,
                            key_mask=None, attention_mask=None, return_attention_scores=False,
                            training=None, use_causal_mask=False):
        """KerasTensor(s) of the output (and of the scores (B, num_heads, T..., S...))."""
        out = KerasTensor(self.compute_output_shape(query.shape, value.shape,
                                                    None if key is None else key.shape),
                          dtype=self.compute_dtype)
        if return_attention_scores:
            qs, vs = tuple(query.shape), tuple(value.shape)
            axes = self._attention_axes
            sshape = (qs[0], self._num_heads) + tuple(qs[a] for a in axes) + \
                tuple(vs[a] for a in axes)
            return out, KerasTensor(sshape, dtype=self.compute_dtype)
        return out

    def get_build_config(self):
        """``{"shapes_dict": {"query_shape", "value_shape"[, "key_shape"]}}`` as Keras 3 writes
        it (key_shape only when a separate key was given)."""
        if self._built_shapes is None:
            return None
        q, v, k = self._built_shapes
        shapes = {"query_shape": list(q), "value_shape": list(v)}
        if self._key_given:
            shapes["key_shape"] = list(k)
        return {"shapes_dict": shapes}

    def build_from_config(self, config):
        """Builds from :meth:`get_build_config` output (also the flat form without
        ``shapes_dict``)."""
        if not config or self.built:
            return
        shapes = config.get("shapes_dict", config)
        if "query_shape" in shapes:
            key = shapes.get("key_shape")
            self.build(tuple(shapes["query_shape"]), tuple(shapes["value_shape"]),
                       tuple(key) if key else None)

    def get_config(self):
        """Layer config with Keras 3's keys (num_heads, key_dim, value_dim, dropout, ...)."""
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads, "key_dim": self._key_dim,
            "value_dim": self._value_dim, "dropout": self._dropout, "use_bias": self._use_bias,
            "use_gate": False, "output_shape": self._output_shape,
            "attention_axes": self._config_attention_axes, "sliding_window": None,
            "kernel_initializer": serialize_initializer(self._kernel_initializer),
            "bias_initializer": serialize_initializer(self._bias_initializer),
            "kernel_regularizer": serialize_object(self._kernel_regularizer),
            "bias_regularizer": serialize_object(self._bias_regularizer),
            "activity_regularizer": serialize_object(self.activity_regularizer),
            "kernel_constraint": serialize_object(self._kernel_constraint),
            "bias_constraint": serialize_object(self._bias_constraint),
            "seed": self.seed,
        })
        return config
