"""Comparing a student's array with the reference's, and saying how they differ."""

import numpy as np

from .messages import msg
from .reference.grad_check import relative_error
from .report import ArraySummary
from .rubric import BIAS_KEYS, GRADIENT_TOLERANCE, RTOL

SUMMARY_VALUES = 4          # values of an array shown in a student's feedback


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
    """A Msg: what was expected of ``label`` and what came back, naming NaN and inf as such."""
    got = align(key, np.asarray(got), np.asarray(expected))
    if got.shape != expected.shape:
        return msg("describe:shape", label=label, got=str(got.shape), expected=str(expected.shape))
    bad = ~np.isfinite(got)
    if bad.any():
        return msg("describe:nonfinite", label=label, count=int(bad.sum()), what=_nonfinite(got),
                   index=_index(np.argmax(bad), got.shape))
    if not got.shape:
        return msg("describe:scalar", label=label, got=f"{float(got):.6g}", expected=f"{float(expected):.6g}")
    diff = np.abs(got - expected)
    i = int(np.argmax(diff))
    return msg("describe:differs", label=label, index=_index(i, got.shape), expected=f"{expected.flat[i]:.6g}",
               got=f"{got.flat[i]:.6g}", diff=f"{diff.flat[i]:.3g}")


def _nonfinite(got):
    nan, inf = int(np.isnan(got).sum()), int(np.isinf(got).sum())
    if nan and inf:
        return msg("describe:nan_and_inf", nan=nan, inf=inf)
    return msg("describe:nan", n=nan) if nan else msg("describe:inf", n=inf)


def summary(array, dtype=None, count=SUMMARY_VALUES):
    """An ``ArraySummary`` of ``array``: its shape, dtype (``dtype`` when given: the child's own) and first
    ``count`` values."""
    array = np.asarray(array)
    values = ", ".join(f"{v:.6g}" for v in array.ravel()[:count])
    more = ", …" if array.size > count else ""
    return ArraySummary(str(tuple(array.shape)), dtype or str(array.dtype), f"[{values}{more}]")


def max_error(got, expected, key=""):
    """The largest absolute difference as text, or "" when the shapes differ or a value is not finite."""
    got = align(key, np.asarray(got), np.asarray(expected))
    if got.shape != expected.shape or not np.all(np.isfinite(got)) or not got.size:
        return ""
    return f"{float(np.max(np.abs(got - expected))):.3g}"


def _index(flat, shape):
    return "[" + ", ".join(str(int(i)) for i in np.unravel_index(flat, shape)) + "]" if shape else \
        msg("describe:value")
