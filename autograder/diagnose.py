"""The catalogue of known mistakes: each one says what a student who made it gets back.

When a check fails, the check's mistakes are tried in order, then the generic ones; the first whose
test matches the student's arrays names the likely mistake in the feedback. A test receives the
student's arrays ``got``, the probe's inputs ``x`` and the reference's arrays ``e``; it returns True
when the student's arrays are what the mistake produces. A mistake that makes the code raise is known
by its error instead (``raised``, a pattern of the exception's text).

Each mistake's words are the catalogue's ``mistake:<name>`` (``messages/``); ``region`` (the end of the
region's id) and ``line`` (a pattern of the line) say where the feedback points in the student's code.
Every entry has a mutant of the reference in ``tests/mutants.py`` that it, and no other entry, explains.
"""

import re
from dataclasses import dataclass

import numpy as np

from .compare import close
from .messages import msg


@dataclass(frozen=True)
class Mistake:
    test: object = None
    region: str = ""             # e.g. ".backward": the section's region that holds the mistake
    line: str = ""               # a pattern of the line that most likely holds it
    raised: str = ""             # a pattern of the exception the mistake raises, for mistakes known by one

    def explains(self, got, x, e, error="", region=""):
        """Whether the student's arrays are this mistake's, or, for a mistake with ``raised``, their exception
        was raised in this mistake's region or in the given code it calls (``region``: the student's region
        where the child's traceback ends, "" when it ends in the given code)."""
        if error:
            in_place = not region or region.endswith(self.region)
            return bool(self.raised and in_place and re.search(self.raised, error))
        return bool(self.test and self.test(got, x, e))


def _has(got, *keys):
    return all(k in got for k in keys)


def _matches(got, key, value):
    return key in got and close(got[key], np.asarray(value, dtype=np.float64), key)


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _logit_like(L):
    """What a student may use where softmax(L) belongs: the logits, shifted logits, log-probabilities."""
    shifted = L - L.max(axis=1, keepdims=True)
    return L, shifted, shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _fc_dZ(x):
    """dZ of the probes' tanh layer."""
    return x["dY"] * (1 - np.tanh(x["X"] @ x["W"] + x["b"]) ** 2)


_FORWARD, _BACKWARD, _INIT = ".forward", ".backward", "._init_parameters"
_RETURN_Y = r"\bY\b\s*=|return"
_DZ = r"\bdZ\b\s*=|\bdZ\b|return"

MISTAKES = {
    # shared by the activations and the layer
    "inplace_dY": Mistake(
        lambda got, x, e: "dY_after" in got and not close(got["dY_after"], x["dY"]),
        _BACKWARD, r"\bdY\b\s*(\[.*\]\s*)?[-+*/]?=|\bdY\b\s*\[|out\s*=\s*dY"),
    # ReLU
    "relu_identity": Mistake(lambda got, x, e: _matches(got, "Y", x["Z"]), _FORWARD, _RETURN_Y),
    "relu_abs": Mistake(lambda got, x, e: _matches(got, "Y", np.abs(x["Z"])), _FORWARD, r"abs|" + _RETURN_Y),
    "relu_mask_forward": Mistake(lambda got, x, e: _matches(got, "Y", x["Z"] > 0), _FORWARD, r">|" + _RETURN_Y),
    "relu_kink_forward": Mistake(lambda got, x, e: _has(got, "Y1", "Ybig") and close(got["Y1"], e["Y1"])
                                 and close(got["Ybig"], e["Ybig"]), _FORWARD, r"[<>]=?|" + _RETURN_Y),
    "relu_output_times_dY": Mistake(
        lambda got, x, e: _matches(got, "dZ", x["dY"] * np.maximum(0, x["Zb"]))
        or _matches(got, "dZk", x["dYk"] * np.maximum(0, x["Zk"])), _BACKWARD, _DZ),
    "relu_mask_only": Mistake(lambda got, x, e: _matches(got, "dZ", x["Zb"] > 0), _BACKWARD, _DZ),
    "relu_no_mask": Mistake(lambda got, x, e: _matches(got, "dZ", x["dY"]), _BACKWARD, _DZ),
    "relu_mask_from_dY": Mistake(lambda got, x, e: _matches(got, "dZ", x["dY"] * (x["dY"] > 0)),
                                 _BACKWARD, r"dY\s*>|" + _DZ),
    "relu_mask_ge": Mistake(lambda got, x, e: _matches(got, "dZk", x["dYk"] * (x["Zk"] >= 0)), _BACKWARD, r">=|" + _DZ),
    # SoftMax
    "softmax_wrong_axis": Mistake(
        lambda got, x, e: "Y" in got and got["Y"].shape == x["Z"].shape
        and np.allclose(got["Y"].sum(axis=0), 1.0) and not np.allclose(got["Y"].sum(axis=1), 1.0),
        _FORWARD, r"axis\s*=\s*0|sum\(\s*\)|\.sum\(\)"),
    "softmax_unnormalised": Mistake(lambda got, x, e: _matches(got, "Y", np.exp(x["Z"]))
                                    or _matches(got, "Y", np.exp(x["Z"] - x["Z"].max(axis=1, keepdims=True))),
                                    _FORWARD, _RETURN_Y),
    "softmax_no_shift": Mistake(
        lambda got, x, e: "Ybig" in got and got["Ybig"].shape == e["Ybig"].shape
        and not np.all(np.isfinite(got["Ybig"])), _FORWARD, r"exp"),
    "softmax_diagonal_only": Mistake(
        lambda got, x, e: _matches(got, "dZ", x["dY"] * _softmax(x["Zb"]) * (1 - _softmax(x["Zb"]))),
        _BACKWARD, r"1\s*-|" + _DZ),
    # FullyConnected
    "fc_init_shape_swapped": Mistake(lambda got, x, e: _matches(got, "asked", e["asked"][::-1]),
                                     _INIT, r"init_weights"),
    "fc_init_zero": Mistake(lambda got, x, e: "W" in got and got["W"].shape == e["W"].shape
                            and not np.any(got["W"]), _INIT, r"zeros|\bW\b"),
    "fc_init_ignored": Mistake(lambda got, x, e: "W" in got and got["W"].shape == e["W"].shape
                               and np.any(got["W"]) and not close(got["W"], e["W"]), _INIT, r"\bW\b|random|randn"),
    "fc_no_bias": Mistake(lambda got, x, e: _matches(got, "Y", np.tanh(x["X"] @ x["W"])), _FORWARD,
                          r"\bZ\b\s*=|@|dot"),
    "fc_no_activation": Mistake(lambda got, x, e: _matches(got, "Y", x["X"] @ x["W"] + x["b"]), _FORWARD,
                                _RETURN_Y),
    "fc_skip_activation_backward": Mistake(
        lambda got, x, e: _matches(got, "dW", x["X"].T @ x["dY"]) or _matches(got, "dX", x["dY"] @ x["W"].T),
        _BACKWARD, r"\bdZ\b\s*="),
    "fc_dW_transposed": Mistake(lambda got, x, e: _matches(got, "dW", e["dW"].T), _BACKWARD,
                                r"gradients\[.W.\]|\bdW\b"),
    "fc_db_not_summed": Mistake(lambda got, x, e: _matches(got, "db", _fc_dZ(x)), _BACKWARD, r"gradients\[.b.\]|\bdb\b"),
    "fc_db_wrong_shape": Mistake(lambda got, x, e: "db" in got and got["db"].size != e["db"].size
                                 and not close(got["db"], _fc_dZ(x)), _BACKWARD, r"gradients\[.b.\]|\bdb\b"),
    "fc_mean": Mistake(lambda got, x, e: _matches(got, "dW", e["dW"] / len(x["X"]))
                       or _matches(got, "db", e["db"] / len(x["X"])), _BACKWARD, r"/|mean"),
    "fc_accumulated": Mistake(
        lambda got, x, e: _matches(got, "dW2", e["dW"] + e["dW2"]) or _matches(got, "db2", e["db"] + e["db2"]),
        _BACKWARD, r"\+="),
    # CrossEntropy
    # The line of the sum over the batch: a sum with no axis (a row's sum, axis=1, is not the mistake).
    "ce_sum_not_mean": Mistake(lambda got, x, e: _matches(got, "loss", e["loss"] * len(x["L"])), _FORWARD,
                               r"^(?!.*axis).*\bsum\b|return"),
    "ce_no_logsumexp": Mistake(lambda got, x, e: "lossbig" in got and not np.all(np.isfinite(got["lossbig"])),
                               _FORWARD, r"log|exp"),
    # The notes at logits of ±1000: named only when the ordinary case is right.
    "ce_log_eps": Mistake(lambda got, x, e: _matches(got, "loss", e["loss"]) and np.all(np.isfinite(got["lossbig"]))
                          and not close(got["lossbig"], e["lossbig"]), _FORWARD, r"log"),
    "ce_grad_through_probabilities": Mistake(lambda got, x, e: _matches(got, "dL", e["dL"])
                                             and np.all(np.isfinite(got["lossbig"]))
                                             and not close(got["dLbig"], e["dLbig"]), _BACKWARD, r"/|log"),
    "ce_grad_no_mean": Mistake(lambda got, x, e: _matches(got, "dL", e["dL"] * len(x["L"])), _BACKWARD,
                               r"return|=\s*\("),
    "ce_grad_logits": Mistake(lambda got, x, e: any(_matches(got, "dL", (scores - x["Y"]) / len(x["L"]))
                                                    for scores in _logit_like(x["L"])), _BACKWARD, r"log|probs"),
    # Model
    "model_forward_last_layer_only": Mistake(
        lambda got, x, e: "logits" in got and got["logits"].shape != e["logits"].shape, _FORWARD, r"forward\(",
        raised=r"matmul|broadcast|mismatch|shapes? .*(not aligned|differ)"),
    "model_returns_probabilities": Mistake(lambda got, x, e: _matches(got, "logits", _softmax(e["logits"])),
                                           _FORWARD, r"exp|softmax|SoftMax|return"),
    "model_backward_skips_first_layer": Mistake(
        lambda got, x, e: _has(got, "dW1", "dW2") and not np.any(got["dW1"]) and close(got["dW2"], e["dW2"]),
        _BACKWARD, r"for\b|\[1:\]|\[:-1\]"),
    "model_backward_wrong_order": Mistake(region=_BACKWARD, line=r"for\b",
                                          raised=r"matmul|broadcast|mismatch|shapes? .*(not aligned|differ)"),
}


def _generic(label, got, expected):
    """Mistakes recognisable from one array and its reference alone."""
    if got.ndim == 2 and got.shape == expected.shape[::-1] and close(got.T, expected):
        return msg("generic:transposed", label=label)
    if got.shape != expected.shape or not np.any(expected):
        return None
    if close(-got, expected):
        return msg("generic:sign", label=label)
    n = expected.shape[0] if expected.ndim else 0
    if n > 1 and close(got / n, expected):
        return msg("generic:times_n", label=label, n=n)
    if n > 1 and close(got * n, expected):
        return msg("generic:over_n", label=label, n=n)
    return None


def diagnose(mistakes, got, x, e, got_key, expected_key, label, error="", region=""):
    """(the Msg of the first of ``mistakes`` that explains the student's arrays, or the exception ``error``
    raised in ``region``, and its name) or (None, None).

    ``got_key``/``expected_key`` are the first pair that failed; ``label`` is how the student reads it.
    The generic mistakes have no name.
    """
    for name in mistakes:
        try:
            explained = MISTAKES[name].explains(got, x, e, error, region)
        except (KeyError, ValueError, IndexError, TypeError, FloatingPointError):
            continue                               # the student's arrays do not fit this mistake's shapes
        if explained:
            return msg(f"mistake:{name}"), name
    if not error and got_key in got and expected_key in e:
        return _generic(label, np.asarray(got[got_key]), np.asarray(e[expected_key])), None
    return None, None
