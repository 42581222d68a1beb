"""Numeric gradients by central differences, to check a backward pass against its forward pass.

``numeric_gradient`` nudges every entry in turn: two calls of ``f`` per entry, fine for the homework's
layers, minutes for a 784 x 256 one (140 s here, N = 64). ``check_gradient`` uses it up to ``MAX_FULL``
entries and beyond that compares directional derivatives along a few random directions instead (two
calls each).
"""

from dataclasses import dataclass

import numpy as np

# Up to this many entries a check is full: 2 * 4096 calls of f, a few seconds even for an MNIST-sized
# layer's forward. Beyond it, DIRECTIONS random directions: 2 * 16 calls whatever the size.
MAX_FULL = 4096
DIRECTIONS = 16
# Below this relative error a backward pass agrees with its forward pass, in both modes. Measured on a
# 784 x 256 layer (N = 64, ReLU and tanh, h = 1e-6): a correct dW gives 4e-9 to 7e-9 in directional mode
# (rounding in g(x +- h u), as it moves each entry by only h / 448), 1e-9 or less in full mode; an error
# of 1% in the entry of median size gives 8e-6 (see check_gradient): margins of 14x and 80x.
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
    """The outcome of ``check_gradient``: the relative error, the tolerance it is held to, and how.

    mode : "full" (every entry by central differences) or "directional" (``directions`` random ones)
    calls : how many times ``f`` was called
    """

    error: float
    tolerance: float
    mode: str
    calls: int

    @property
    def ok(self):
        """True when the analytic gradient agrees with the numeric one."""
        return self.error < self.tolerance

    def __str__(self):
        verdict = "OK" if self.ok else "FAILED"
        return (f"{verdict}: relative error {self.error:.1e} ({self.mode}, {self.calls} calls; "
                f"tolerance {self.tolerance:.0e})")


def check_gradient(f, x, analytic, dY=None, *, tolerance=TOLERANCE, max_full=MAX_FULL, directions=DIRECTIONS,
                   seed=0, h=1e-6):
    """Compare ``analytic``, a backward pass's gradient of ``sum(f(x) * dY)`` with respect to ``x``, with
    central differences of ``f``, at any size.

    Parameters
    ----------
    f, x, dY, h : as for ``numeric_gradient``; ``x`` is restored exactly afterwards
    analytic : ndarray of the shape of ``x``
    tolerance : float, the relative error below which the check passes
    max_full : int, the largest ``x.size`` checked entry by entry
    directions : int, how many random directions beyond ``max_full``
    seed : int, of the directions

    Returns
    -------
    GradientCheck

    Notes
    -----
    Up to ``max_full`` entries the error is ``relative_error(analytic, numeric_gradient(f, x, dY))``.
    Beyond it, for K unit directions ``u_k = r_k / sqrt(n)`` with ``r_k`` of independent random signs
    (Rademacher), the error is ``relative_error(a, d)`` between ``a_k = <analytic, u_k>`` and the central
    difference ``d_k = (g(x + h u_k) - g(x - h u_k)) / (2h)`` of ``g = sum(f * dY)``. For any error ``e``
    of the analytic gradient ``G``, ``E <e, u>^2 = ||e||^2 / n`` and ``E <G, u>^2 = ||G||^2 / n``: the
    directional error estimates the full one, so one tolerance serves both modes. Signs rather than
    Gaussian entries make ``|u_ij| = 1/sqrt(n)`` for every entry, so an error confined to one entry
    is never hidden by a small ``u_ij``: an error ``delta`` in entry ``ij`` gives exactly
    ``||a - d|| = |delta| sqrt(K / n)``, and the error about ``|delta| / (2 ||G||)``, as in the full check.
    For a 1% error in an entry of size ``|G_ij| = s * rms(G)`` that is about ``0.005 s / sqrt(n)``, or
    ``1.1e-5 * s`` at 784 x 256: above the tolerance 1e-7 for any ``s > 0.01``. The unit directions move
    each entry by ``h / sqrt(n)``, far too little to cross a ReLU's kink.
    """
    if x.dtype != np.float64:
        raise TypeError(f"check_gradient needs float64 input for a precise check; got {x.dtype}")
    if analytic.shape != x.shape:
        raise ValueError(f"check_gradient: the analytic gradient has shape {analytic.shape}; x has {x.shape}")
    if x.size <= max_full:
        numeric = numeric_gradient(f, x, dY, h)
        return GradientCheck(relative_error(analytic, numeric), tolerance, "full", 2 * x.size)
    rng = np.random.default_rng(seed)
    origin = x.copy()
    a, d = np.empty(directions), np.empty(directions)
    for k in range(directions):
        u = rng.choice([-1.0, 1.0], size=x.shape) / np.sqrt(x.size)
        a[k] = np.sum(analytic * u)
        d[k] = _directional_derivative(f, x, origin, u, dY, h)
    return GradientCheck(relative_error(a, d), tolerance, "directional", 2 * directions)


def _directional_derivative(f, x, origin, u, dY, h):
    """``(g(x + h u) - g(x - h u)) / (2h)`` with ``g = sum(f(x) * dY)``; ``x`` is changed in place (``f``
    may hold it, as a layer holds its ``W``) and set back to ``origin`` exactly."""
    np.add(origin, h * u, out=x)
    plus = np.asarray(f(x), dtype=np.float64).copy()
    np.subtract(origin, h * u, out=x)
    minus = np.asarray(f(x), dtype=np.float64).copy()
    x[...] = origin
    diff = plus - minus
    return (np.sum(diff * dY) if dY is not None else float(diff)) / (2 * h)
