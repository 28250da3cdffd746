"""Keras 3's saved form of an ops call on KerasTensors (an *operation node*), both ways.

Keras 3 writes ``keras.ops.sum(x, axis=1) * 2.0`` in a functional config as two operation
entries (see :mod:`pyfapi.layers.core.keras_op_specs` for the table of op classes)::

    {"module": "keras.src.ops.numpy", "class_name": "Sum", "registered_name": "Sum",
     "config": {"name": "sum", "axis": 1, "keepdims": false}, "name": "sum",
     "inbound_nodes": [{"args": [<__keras_tensor__ x>], "kwargs": {}}]}
    {... "class_name": "Multiply", "config": {"name": "multiply"}, ...
     "inbound_nodes": [{"args": [<__keras_tensor__ sum>, 2.0], "kwargs": {}}]}

The op class's constructor arguments are its config (defaults included); the ``call``
arguments (tensors and plain values such as the ``2.0`` or a ``GetItem`` key) are the node's
``args``. :func:`to_keras` splits a recorded ``pyfapi.ops`` call that way; :func:`from_keras`
and :func:`pyfapi_arguments` turn a Keras entry and its node back into the pyfapi call.
"""
from __future__ import annotations

import inspect

import numpy as np

from pyfapi.layers.core.keras_op_specs import REQUIRED, SPECS

__all__ = ["to_keras", "from_keras", "pyfapi_arguments", "is_keras_op_entry"]

_BY_CLASS = {(spec[0], spec[1]): fn for fn, spec in SPECS.items()}
_PLAIN = (str, int, float, bool, type(None))


def is_keras_op_entry(data) -> bool:
    """True for a functional-config entry of a Keras operation (module ``keras.src.ops.*``)."""
    return isinstance(data, dict) and str(data.get("module") or "").startswith("keras.src.ops.")


def _plain(value):
    """``value`` as Keras's auto-config accepts it (str/int/float/bool/None, nested in lists),
    or raise TypeError."""
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return np.dtype(value).name
    raise TypeError(type(value).__name__)


def _signature(fn):
    return inspect.signature(fn)


def to_keras(function, fn, args, kwargs):
    """Keras's form of ``pyfapi.ops.<function>(*args, **kwargs)``.

    Returns:
        ``(module, class_name, init_config, call_args, takes_name)``, with ``call_args`` the
        node's positional arguments (KerasTensors in place), or None when Keras has no such op
        or the call uses pyfapi-only arguments / values Keras cannot store in a config (the
        model is then saved in pyfapi's own op format).
    """
    spec = SPECS.get(function)
    if spec is None:
        return None
    module, class_name, init_params, call_params, takes_name = spec
    try:
        bound = _signature(fn).bind(*args, **kwargs)
    except TypeError:
        return None
    params = _signature(fn).parameters
    init_names = {n for n, _ in init_params}
    call_names = [p.lstrip("*") for p in call_params]
    named = dict(bound.arguments)
    for name in list(named):
        if params[name].kind == inspect.Parameter.VAR_KEYWORD:
            named.update(named.pop(name))
    for name, value in named.items():
        if name in init_names or name in call_names:
            continue
        default = params[name].default if name in params else inspect.Parameter.empty
        if default is inspect.Parameter.empty or not _same(value, default):
            return None  # a pyfapi-only argument in use
    config = {}
    for name, default in init_params:
        value = named.get(name, default)
        if value is REQUIRED or (isinstance(value, str) and value == REQUIRED):
            return None
        try:
            config[name] = _plain(value)
        except TypeError:
            return None
    call_args = []
    present = [p for p in call_params if p.lstrip("*") in named]
    last = call_params.index(present[-1]) if present else -1
    for p in call_params[:last + 1]:
        name = p.lstrip("*")
        if p.startswith("*"):
            call_args.extend(named.get(name, ()))
        elif name in named:
            call_args.append(named[name])
        elif name in params and params[name].default is not inspect.Parameter.empty:
            call_args.append(params[name].default)
        else:
            return None
    return module, class_name, config, call_args, takes_name


def _same(a, b):
    try:
        return bool(a == b) if not isinstance(a, np.ndarray) else False
    except Exception:  # noqa: BLE001 - incomparable values are different
        return False


def from_keras(data):
    """``(function, init_kwargs)`` of a Keras operation entry (see :func:`is_keras_op_entry`).

    Raises:
        ValueError: an op class Keras 3 does not define (names the class and module).
    """
    module = data["module"].rsplit(".", 1)[-1]
    class_name = data["class_name"]
    function = _BY_CLASS.get((module, class_name))
    if function is None:
        raise ValueError(f"Cannot load the Keras operation {data['module']}.{class_name} (layer "
                         f"{data.get('name')!r}): pyfapi knows the op classes of Keras "
                         "3.15's keras.src.ops modules only.")
    config = dict(data.get("config") or {})
    config.pop("name", None)
    return function, config


def _tuples(value):
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def pyfapi_arguments(function, fn, init_kwargs, call_args, call_kwargs):
    """``(args, kwargs)`` for ``pyfapi.ops.<function>`` from a Keras op's config and node.

    Lists in the config become tuples (JSON has no tuples; shapes and axes are tuples in
    Keras), and a ``GetItem`` key list becomes the tuple Keras indexes with. Keras-only
    constructor arguments are dropped when they hold Keras's default.

    Raises:
        ValueError: more call arguments than the op takes, or a Keras-only argument with a
            non-default value (names the op and the argument).
    """
    _, class_name, init_params, call_params, _ = SPECS[function]
    defaults = dict(init_params)
    named, varargs = {}, []
    args = list(call_args)
    for p in call_params:
        if p.startswith("*"):
            varargs, args = args, []
            break
        if args:
            named[p] = args.pop(0)
    if args:
        raise ValueError(f"Keras op {class_name} (pyfapi.ops.{function}) takes "
                         f"{len(call_params)} call argument(s) {list(call_params)}; the saved node "
                         f"has {len(call_args)}.")
    if function == "get_item" and isinstance(named.get("key"), list):
        named["key"] = tuple(named["key"])
    named.update(call_kwargs)
    params = _signature(fn).parameters
    takes_kwargs = any(p.kind == p.VAR_KEYWORD for p in params.values())
    for name, value in init_kwargs.items():
        if name in params or takes_kwargs:
            named[name] = _tuples(value)
        elif not _same(value, defaults.get(name, REQUIRED)) and not _same(
                _tuples(value), defaults.get(name, REQUIRED)):
            raise ValueError(f"Keras op {class_name}: pyfapi.ops.{function} has no argument "
                             f"{name!r} (the saved model sets it to {value!r}).")
    positional, keywords, by_keyword = [], {}, False
    for name, p in params.items():
        if p.kind == p.VAR_POSITIONAL:
            if by_keyword and varargs:
                raise ValueError(f"Keras op {class_name}: the saved node gives no value for an "
                                 f"argument of pyfapi.ops.{function} before *{name}")
            positional.extend(varargs)
        elif p.kind == p.VAR_KEYWORD:
            continue
        elif name in named:
            if p.kind != p.KEYWORD_ONLY and not by_keyword:
                positional.append(named.pop(name))
            else:
                keywords[name] = named.pop(name)
        elif p.default is p.empty:
            raise ValueError(f"Keras op {class_name}: the saved node gives no {name!r} for "
                             f"pyfapi.ops.{function}")
        else:
            by_keyword = True
    keywords.update(named)  # a function taking **kwargs
    return positional, keywords
