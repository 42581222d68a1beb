"""Comparing a student's array with the reference's, and saying how they differ in one line."""

import numpy as np

from .reference.grad_check import relative_error
from .rubric import BIAS_KEYS, GRADIENT_TOLERANCE, RTOL


def align(key, got, expected):
    """``got`` reshaped to the reference's shape when only a bias's leading 1 differs: (H,) vs (1, H)."""
    if key in BIAS_KEYS and got.shape != expected.shape and got.size == expected.size \
            and got.squeeze().shape == expected.squeeze().shape:
        return got.reshape(expected.shape)
    return got


def close(got, expected, key=""):
    """Same shape and ``|got - expected| <= RTOL |expected| + atol``, atol scaled to the reference's size."""
    got = align(key, np.asarray(got), np.asarray(expected))
    if got.shape != expected.shape or not np.all(np.isfinite(got)):
        return False
    atol = 1e-8 * max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    return bool(np.allclose(got, expected, rtol=RTOL, atol=atol))


def gradient_close(got, numeric, key=""):
    """The relative error of ``got`` against a central-difference gradient is below the tolerance.

    The reference's ``grad_check.relative_error`` (the kit's one checker), run in the trusted parent;
    a NaN error compares False.
    """
    got = align(key, np.asarray(got), numeric)
    return got.shape == numeric.shape and relative_error(got, numeric) < GRADIENT_TOLERANCE


def describe(label, got, expected, key=""):
    """One line: what was expected of ``label`` and what came back."""
    got = align(key, np.asarray(got), np.asarray(expected))
    if got.shape != expected.shape:
        return f"{label} has shape {got.shape}; expected {expected.shape}"
    bad = ~np.isfinite(got)
    if bad.any():
        return f"{label} has {int(bad.sum())} NaN or inf value(s), first at {_index(np.argmax(bad), got.shape)}"
    if not got.shape:
        return f"{label} is {float(got):.6g}; expected {float(expected):.6g}"
    diff = np.abs(got - expected)
    i = int(np.argmax(diff))
    return (f"{label} differs at {_index(i, got.shape)}: expected {expected.flat[i]:.6g}, "
            f"got {got.flat[i]:.6g} (largest difference {diff.flat[i]:.3g})")


def _index(flat, shape):
    return "[" + ", ".join(str(int(i)) for i in np.unravel_index(flat, shape)) + "]" if shape else "the value"
