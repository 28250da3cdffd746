"""Name scopes for variable paths, as Keras 3 (keras/src/backend/common/name_scope.py).

A layer opens a scope named after itself while it builds (and while it is called before it is
built); variables created inside get the path ``"<scope>/<scope>/.../<variable name>"``
(``"outer/block/dense/kernel"``), layers the path of their scope. A layer remembers the path it
was first opened under (``caller._parent_path``) and reopens its scope there later, and a scope
opened again by the same caller under the same name is not stacked twice. One stack per thread.
"""
from __future__ import annotations

import threading

__all__ = ["name_scope", "current_path"]

_LOCAL = threading.local()


def _stack() -> list:
    stack = getattr(_LOCAL, "stack", None)
    if stack is None:
        stack = _LOCAL.stack = []
    return stack


class name_scope:
    """Context manager entering the scope ``name``.

    Args:
        name: a string without ``"/"``.
        caller: the object opening it (a layer); with ``deduplicate``, a scope the same caller
            already has on top of the stack under the same name is not entered again, and the
            caller's ``_parent_path`` (when set) replaces the enclosing scopes.
        override_parent: an absolute path replacing the enclosing scopes.

    Raises:
        ValueError: ``name`` is not a string or contains ``"/"``.
    """

    __slots__ = ("name", "caller", "deduplicate", "override_parent", "_pushed")

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"Argument `name` must be a string and cannot contain character "
                             f"`/`. Received: name={name!r}")
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        if override_parent is None and deduplicate:
            override_parent = getattr(caller, "_parent_path", None)
        self.override_parent = override_parent
        self._pushed = False

    def __enter__(self):
        stack = _stack()
        if self.deduplicate and stack and self.caller is not None:
            top = stack[-1]
            if top.caller is self.caller and top.name == self.name:
                return self
        stack.append(self)
        self._pushed = True
        return self

    def __exit__(self, *exc):
        if self._pushed:
            self._pushed = False
            stack = _stack()
            if stack:
                stack.pop()
        return False


def current_path() -> str:
    """The open scopes joined with ``"/"`` (``""`` outside any scope)."""
    parts: list = []
    for entry in _stack():
        if entry.override_parent is not None:
            parts = [p for p in entry.override_parent.split("/") if p]
        parts.append(entry.name)
    return "/".join(parts)
