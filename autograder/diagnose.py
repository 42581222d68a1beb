"""The catalogue of known mistakes: each one says what a student who made it gets back.

When a check fails, the check's mistakes are tried in order, then the generic ones; the first whose
test matches the student's arrays names the likely mistake in the feedback. A test receives the
student's arrays ``got``, the probe's inputs ``x`` and the reference's arrays ``e``; it returns True
when the student's arrays are what the mistake produces.
"""

from dataclasses import dataclass

import numpy as np

from .compare import close


@dataclass(frozen=True)
class Mistake:
    message: str
    test: object


def _has(got, *keys):
    return all(k in got for k in keys)


def _matches(got, key, value):
    return key in got and close(got[key], np.asarray(value, dtype=np.float64), key)


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _fc_dZ(x):
    """dZ of the probes' tanh layer."""
    return x["dY"] * (1 - np.tanh(x["X"] @ x["W"] + x["b"]) ** 2)


MISTAKES = {
    # shared by the activations and the layer
    "inplace_dY": Mistake(
        "backward changed dY in place (e.g. dY[...] = 0 or dY *= ...); compute a new array: the caller "
        "still owns dY",
        lambda got, x, e: "dY_after" in got and not close(got["dY_after"], x["dY"])),
    # ReLU
    "relu_identity": Mistake("forward returned Z unchanged; ReLU is max(0, Z)",
                             lambda got, x, e: _matches(got, "Y", x["Z"])),
    "relu_abs": Mistake("forward returned |Z|; ReLU is max(0, Z)",
                        lambda got, x, e: _matches(got, "Y", np.abs(x["Z"]))),
    "relu_mask_forward": Mistake("forward returned the 0/1 mask (Z > 0) instead of the values max(0, Z)",
                                 lambda got, x, e: _matches(got, "Y", x["Z"] > 0)),
    "relu_kink_forward": Mistake("forward is wrong only near z = 0: max(0, z) keeps tiny positive values "
                                 "and gives 0 (not -0 or the input) for z <= 0",
                                 lambda got, x, e: _has(got, "Y1", "Ybig") and close(got["Y1"], e["Y1"])
                                 and close(got["Ybig"], e["Ybig"])),
    "relu_output_times_dY": Mistake(
        "backward multiplied dY by the output max(0, Z); the derivative is the 0/1 mask (Z > 0)",
        lambda got, x, e: _matches(got, "dZ", x["dY"] * np.maximum(0, x["Zb"]))
        or _matches(got, "dZk", x["dYk"] * np.maximum(0, x["Zk"]))),
    "relu_mask_only": Mistake("backward returned the mask (Z > 0) alone; multiply it by the upstream dY",
                              lambda got, x, e: _matches(got, "dZ", x["Zb"] > 0)),
    "relu_no_mask": Mistake("backward returned dY unchanged; multiply it by the mask (Z > 0)",
                            lambda got, x, e: _matches(got, "dZ", x["dY"])),
    "relu_mask_ge": Mistake("the mask is 1 at z = 0 (Z >= 0); this homework takes the derivative at the "
                            "kink to be 0, so use Z > 0",
                            lambda got, x, e: _matches(got, "dZk", x["dYk"] * (x["Zk"] >= 0))),
    # SoftMax
    "softmax_wrong_axis": Mistake(
        "softmax normalised over the wrong axis: each ROW (one sample, axis 1) must sum to 1",
        lambda got, x, e: "Y" in got and got["Y"].shape == x["Z"].shape
        and np.allclose(got["Y"].sum(axis=0), 1.0) and not np.allclose(got["Y"].sum(axis=1), 1.0)),
    "softmax_unnormalised": Mistake("forward returned exp(Z) without dividing by each row's sum",
                                    lambda got, x, e: _matches(got, "Y", np.exp(x["Z"]))
                                    or _matches(got, "Y", np.exp(x["Z"] - x["Z"].max(axis=1, keepdims=True)))),
    "softmax_no_shift": Mistake(
        "exp overflowed on logits of ±1000: subtract each row's maximum before exp (softmax(z) = "
        "softmax(z - max z))",
        lambda got, x, e: "Ybig" in got and got["Ybig"].shape == e["Ybig"].shape
        and not np.all(np.isfinite(got["Ybig"]))),
    "softmax_diagonal_only": Mistake(
        "backward used only the diagonal of the Jacobian, dY * Y * (1 - Y); the off-diagonal terms "
        "-y_i y_j are missing: dZ = Y * (dY - sum(dY * Y, axis=1))",
        lambda got, x, e: _matches(got, "dZ", x["dY"] * _softmax(x["Zb"]) * (1 - _softmax(x["Zb"])))),
    # FullyConnected
    "fc_init_shape_swapped": Mistake("asked init_weights for shape (n_out, n_in); W has shape (n_in, n_out)",
                                     lambda got, x, e: _matches(got, "asked", e["asked"][::-1])),
    "fc_init_ignored": Mistake("W was not made by self.init_weights((n_in, n_out)); use the layer's "
                               "initialiser, it is what the weight_init argument chose",
                               lambda got, x, e: "W" in got and got["W"].shape == e["W"].shape
                               and not close(got["W"], e["W"])),
    "fc_no_bias": Mistake("forward left out the bias: Z = X @ W + b",
                          lambda got, x, e: _matches(got, "Y", np.tanh(x["X"] @ x["W"]))),
    "fc_no_activation": Mistake("forward returned Z = X @ W + b without applying the activation",
                                lambda got, x, e: _matches(got, "Y", x["X"] @ x["W"] + x["b"])),
    "fc_skip_activation_backward": Mistake(
        "backward skipped the activation: first dZ = activation.backward(dLdY), then use dZ for dX, dW, db",
        lambda got, x, e: _matches(got, "dW", x["X"].T @ x["dY"]) or _matches(got, "dX", x["dY"] @ x["W"].T)),
    "fc_dW_transposed": Mistake("dW is transposed: dW = X.T @ dZ has the shape of W, (n_in, n_out)",
                                lambda got, x, e: _matches(got, "dW", e["dW"].T)),
    "fc_db_not_summed": Mistake("db was not summed over the batch: db = dZ.sum(axis=0, keepdims=True)",
                                lambda got, x, e: _matches(got, "db", _fc_dZ(x))),
    "fc_mean": Mistake("the gradients have an extra 1/N: the loss already averages over the batch, so the "
                       "layer sums over it",
                       lambda got, x, e: _matches(got, "dW", e["dW"] / len(x["X"]))
                       or _matches(got, "db", e["db"] / len(x["X"]))),
    "fc_accumulated": Mistake(
        "the gradients of the second backward were added to those of the first: assign them (=), "
        "don't accumulate (+=)",
        lambda got, x, e: _matches(got, "dW2", e["dW"] + e["dW2"]) or _matches(got, "db2", e["db"] + e["db2"])),
    # CrossEntropy
    "ce_sum_not_mean": Mistake("the loss is summed over the batch; it is the mean (divide by N)",
                               lambda got, x, e: _matches(got, "loss", e["loss"] * len(x["L"]))),
    "ce_no_logsumexp": Mistake(
        "the loss is not finite for logits of ±1000 (log of 0, or exp overflow): use log-softmax "
        "z - max(z) - log(sum(exp(z - max(z))))",
        lambda got, x, e: "lossbig" in got and not np.all(np.isfinite(got["lossbig"]))),
    "ce_grad_no_mean": Mistake("backward misses the 1/N of the mean: dL/dlogits = (softmax - Y) / N",
                               lambda got, x, e: _matches(got, "dL", e["dL"] * len(x["L"]))),
    "ce_grad_logits": Mistake("backward used the logits where softmax(logits) belongs: (softmax - Y) / N",
                              lambda got, x, e: _matches(got, "dL", (x["L"] - x["Y"]) / len(x["L"]))),
    # Model
    "model_forward_last_layer_only": Mistake(
        "forward did not chain the layers: the output of each layer is the input of the next",
        lambda got, x, e: "logits" in got and got["logits"].shape != e["logits"].shape),
}


def _generic(label, got, expected):
    """Mistakes recognisable from one array and its reference alone."""
    if got.ndim == 2 and got.shape == expected.shape[::-1] and close(got.T, expected):
        return f"{label} is transposed (check the order of the matrix product)"
    if got.shape != expected.shape or not np.any(expected):
        return None
    if close(-got, expected):
        return f"{label} has the wrong sign"
    n = expected.shape[0] if expected.ndim else 0
    if n > 1 and close(got / n, expected):
        return f"{label} is N = {n} times too large: a missing 1/N?"
    if n > 1 and close(got * n, expected):
        return f"{label} is N = {n} times too small: an extra 1/N?"
    return None


def diagnose(mistakes, got, x, e, got_key, expected_key, label):
    """The message of the first mistake that explains the student's arrays, or None.

    ``got_key``/``expected_key`` are the first pair that failed; ``label`` is how the student reads it.
    """
    for name in mistakes:
        try:
            if MISTAKES[name].test(got, x, e):
                return MISTAKES[name].message
        except (KeyError, ValueError, IndexError, TypeError, FloatingPointError):
            continue                               # the student's arrays do not fit this mistake's shapes
    if got_key in got and expected_key in e:
        return _generic(label, np.asarray(got[got_key]), np.asarray(e[expected_key]))
    return None
