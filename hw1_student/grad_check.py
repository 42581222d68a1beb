"""Numeric gradients by central differences, to check a backward pass against its forward pass.

``numeric_gradient`` nudges every entry of the input in turn (two calls of ``f`` per entry);
``check_gradient`` compares a backward pass's gradient with it.
"""

from dataclasses import dataclass

import numpy as np

# Below this relative error a backward pass agrees with its forward pass: a correct gradient of the
# homework's layers gives 1e-9 or less with h = 1e-6, a wrong entry far more.
TOLERANCE = 1e-7


def numeric_gradient(f, x, dY=None, h=1e-6):
    """The gradient of ``sum(f(x) * dY)`` with respect to ``x``, by central differences.

    Parameters
    ----------
    f : callable, ``f(x) -> ndarray or float``; it is called with ``x`` itself, changed in place
    x : float64 ndarray of any shape; every entry is nudged by +-h in turn and restored
    dY : ndarray of the shape of ``f(x)``, the upstream gradient; None when ``f`` returns a scalar
    h : float, the step

    Returns
    -------
    dx : ndarray of the shape of ``x``

    Notes
    -----
    ``df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h)``, with an error of order h^2.
    """
    if x.dtype != np.float64:
        raise TypeError(f"numeric_gradient needs float64 input for a precise check; got {x.dtype}")
    dx = np.zeros_like(x)
    # Index x itself: x.reshape(-1) would be a copy for a non-contiguous x (a transposed W, say),
    # and nudging a copy leaves f unchanged.
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        plus = np.asarray(f(x), dtype=np.float64).copy()
        x[idx] = old - h
        minus = np.asarray(f(x), dtype=np.float64).copy()
        x[idx] = old
        diff = plus - minus
        dx[idx] = np.sum(diff * dY) / (2 * h) if dY is not None else float(diff) / (2 * h)
    return dx


def relative_error(a, b):
    """``|a - b| / (|a| + |b|)`` over whole arrays (Frobenius norms); 0 when both are zero.

    Norms rather than entries: an entry whose true gradient is 0 would otherwise count as an error of 1.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: shapes differ, {a.shape} vs {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


@dataclass(frozen=True)
class GradientCheck:
    """The outcome of ``check_gradient``: the relative error and the tolerance it is held to."""

    error: float
    tolerance: float

    @property
    def ok(self):
        """True when the analytic gradient agrees with the numeric one."""
        return self.error < self.tolerance

    def __str__(self):
        verdict = "OK" if self.ok else "FAILED"
        return f"{verdict}: relative error {self.error:.1e} (tolerance {self.tolerance:.0e})"


def check_gradient(f, x, analytic, dY=None, *, tolerance=TOLERANCE, h=1e-6):
    """Compare ``analytic``, a backward pass's gradient of ``sum(f(x) * dY)`` with respect to ``x``, with
    central differences of ``f``.

    Parameters
    ----------
    f, x, dY, h : as for ``numeric_gradient``; ``x`` is restored exactly afterwards
    analytic : ndarray of the shape of ``x``
    tolerance : float, the relative error below which the check passes

    Returns
    -------
    GradientCheck
    """
    analytic = np.asarray(analytic)
    if analytic.shape != x.shape:
        raise ValueError(f"check_gradient: the analytic gradient has shape {analytic.shape}; x has {x.shape}")
    return GradientCheck(relative_error(analytic, numeric_gradient(f, x, dY, h)), tolerance)
