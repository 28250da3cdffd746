"""Keras 3 style progress display.

On a terminal (``verbose=1`` and stdout a TTY) a live bar redrawn at most every 50 ms::

     7/32 ━━━━━━━━━━━━━━━━━━━━ 1s 4ms/step - acc: 0.5000 - loss: 0.6931

Otherwise (``verbose=1`` on a pipe or file, or ``verbose=2``) one line per epoch::

    32/32 - 0s - 4ms/step - acc: 0.5000 - loss: 0.6931 - val_loss: 0.7000

``verbose=0`` prints nothing. The values shown are the logs given (running means, as Keras 3's
stateful metrics), formatted ``:.4f`` (``:.4e`` when ``|v| <= 1e-3``).
"""
from __future__ import annotations

import math
import os
import sys
import time

__all__ = ["Progbar", "is_dynamic"]

_BAR = "\u2501"


def is_dynamic() -> bool:
    """True when stdout is a terminal (or ``PYFAPI_PROGBAR=dynamic`` forces it)."""
    force = os.environ.get("PYFAPI_PROGBAR")
    if force:
        return force == "dynamic"
    try:
        return bool(sys.stdout.isatty())
    except (AttributeError, ValueError):
        return False


def _fmt_time(t):
    if t >= 1 or t == 0:
        return f"{t:.0f}s/step"
    if t >= 1e-3:
        return f"{t * 1e3:.0f}ms/step"
    return f"{t * 1e6:.0f}us/step"


def _fmt_value(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return f" {v}"
    return f" {v:.4f}" if abs(v) > 1e-3 else f" {v:.4e}"


class Progbar:
    """A progress bar over ``target`` steps (``keras.utils.Progbar``).

    Args:
        target: number of steps (None when unknown).
        width: bar width in characters (20 as Keras).
        verbose: 0 silent, 1 live bar on a TTY / one final line otherwise, 2 one final line.
        interval: minimum seconds between two redraws of the live bar.
        stateful_metrics: names whose values are shown as given; other values passed as
            ``[(name, value), ...]`` are averaged over the steps seen, as Keras does.
        unit_name: accepted for Keras compatibility (the bar says "step").
        dynamic: override the TTY detection.
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step", dynamic=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics or ())
        self.unit_name = unit_name
        self.dynamic = is_dynamic() if dynamic is None else dynamic
        self.seen = 0
        self._start = time.perf_counter()
        self._last = 0.0
        self._prev_width = 0
        self._sums = {}  # name -> [weighted sum, steps] of averaged values

    def _shown(self, current, values):
        """A dict is shown as given (the fit loop's logs); Keras's ``[(name, value), ...]`` is
        averaged over the steps since the last update unless the name is stateful."""
        if values is None or isinstance(values, dict):
            return values or {}
        step = max(current - self.seen, 1)
        out = {}
        for name, value in values:
            if name in self.stateful_metrics:
                self._sums[name] = [value, 1]
            else:
                acc = self._sums.setdefault(name, [0.0, 0])
                acc[0] += float(value) * step
                acc[1] += step
            total, n = self._sums[name]
            out[name] = total / max(n, 1) if name not in self.stateful_metrics else total
        for name, (total, n) in self._sums.items():
            out.setdefault(name, total if name in self.stateful_metrics else total / max(n, 1))
        return out

    def add(self, n, values=None):
        """``update(seen + n, values)``."""
        self.update(self.seen + n, values)

    def update(self, current, values=None, finalize=None):
        """Show progress at step ``current`` with ``values``: a dict name -> number (shown as
        given) or Keras's list of ``(name, value)`` pairs (averaged, see the class)."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        values = self._shown(current, values)
        self.seen = current
        if not self.verbose:
            return
        now = time.perf_counter()
        live = self.verbose == 1 and self.dynamic
        if not finalize and (not live or now - self._last < self.interval):
            return
        self._last = now
        elapsed = now - self._start
        per_step = elapsed / current if current else 0.0
        vals = "".join(f" - {k}:{_fmt_value(v)}" for k, v in (values or {}).items())
        target = self.target
        if target:
            nd = int(math.log10(target)) + 1
            count = f"{current:>{nd}d}/{target}"
        else:
            count = f"{current:>7d}/Unknown"
        if self.verbose == 2:
            line = f"{count} - {elapsed:.0f}s - {_fmt_time(per_step)}{vals}"
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
            return
        if target:
            done = int(self.width * min(current, target) / target)
            bar = _BAR * done + _BAR * (self.width - done)
            if live:
                bar = f"\x1b[32m{_BAR * done}\x1b[0m\x1b[37m{_BAR * (self.width - done)}\x1b[0m"
        else:
            bar = ""
        if finalize or not target:
            timing = f"{elapsed:.0f}s"
        else:
            eta = per_step * (target - current)
            timing = (f"{eta // 3600:.0f}:{(eta % 3600) // 60:02.0f}:{eta % 60:02.0f}"
                      if eta > 3600 else f"{eta // 60:.0f}:{eta % 60:02.0f}" if eta > 60
                      else f"{eta:.0f}s")
        text = f"{count} {bar} {timing} {_fmt_time(per_step)}{vals}"
        if live:
            plain_width = len(text) - (len(bar) - self.width if target else 0)
            pad = " " * max(0, self._prev_width - plain_width)
            self._prev_width = plain_width
            sys.stdout.write("\r" + text + pad + ("\n" if finalize else ""))
        else:
            sys.stdout.write(text + "\n")
        sys.stdout.flush()
