"""The rubric: sections, their regions, their checks and their points. The one place points are defined.

Points follow the handout: ReLU 2, FullyConnected 4, SoftMax 2, CrossEntropy 1, Model 1 (10 in all);
Sigmoid is a practice section graded for feedback with 0 points.

A check compares the student's arrays from one probe (``probes.py``) with the reference's: a "values"
check with ``rtol = 1e-5``, a "gradient" check by relative error below 1e-6 against the reference's
central-difference gradient (computed in the trusted parent, never in the child). A "vectorised" check
reads the section's regions for Python loops; it pays only once the forward check it names passes.
"""

from dataclasses import dataclass

VALUES, GRADIENT, VECTORISED = "values", "gradient", "vectorised"
RTOL = 1e-5
GRADIENT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Check:
    """One graded check: ``compare`` pairs a student key with the reference key it must match."""

    name: str
    points: float
    probe: str | None = None
    compare: tuple = ()
    kind: str = VALUES
    mistakes: tuple = ()          # names in ``diagnose.MISTAKES``, tried in order when the check fails
    after: str = ""               # a vectorised check pays once the check of this name has passed

    @property
    def is_backward(self):
        """Whether the check compares gradients (the probes name them d...): it then depends on what the
        section's forward cached, and a failure may come from the forward."""
        return any(key.startswith("d") for key, _ in self.compare)


@dataclass(frozen=True)
class Section:
    """A graded part of the homework: its regions, points and checks.

    ``needs`` names the sections whose reference code the probes use (their regions are the reference's,
    shipped without source); every other region of the hybrid package is a stub.
    """

    name: str
    points: float
    regions: tuple
    checks: tuple
    needs: tuple = ()


def _same(*keys):
    return tuple((k, k) for k in keys)


SECTIONS = (
    Section("ReLU", 2.0, ("activations:ReLU.forward", "activations:ReLU.backward"), (
        Check("forward on random inputs", 0.5, "relu_forward", _same("Y"),
              mistakes=("relu_identity", "relu_abs", "relu_mask_forward")),
        Check("forward on edge inputs (N = 1, zeros, ±1e-12, ±1000)", 0.25, "relu_forward",
              _same("Y1", "Yk", "Ybig"),
              mistakes=("relu_identity", "relu_abs", "relu_mask_forward", "relu_kink_forward")),
        Check("backward matches the reference", 0.5, "relu_backward", _same("dZ", "dY_after", "dZ2"),
              mistakes=("inplace_dY", "relu_output_times_dY", "relu_mask_only", "relu_no_mask")),
        Check("backward passes the numeric gradient check", 0.25, "relu_backward", (("dZ", "dZ_num"),),
              kind=GRADIENT, mistakes=("relu_output_times_dY", "relu_mask_only", "relu_no_mask")),
        Check("backward at the kink (gradient 0 at z = 0)", 0.25, "relu_kink", _same("dZk"),
              mistakes=("relu_mask_ge", "relu_output_times_dY")),
        Check("vectorised: no Python loops", 0.25, kind=VECTORISED, after="forward on random inputs"),
    )),
    Section("FullyConnected", 4.0, ("fully_connected:FullyConnected._init_parameters",
                                    "fully_connected:FullyConnected.forward",
                                    "fully_connected:FullyConnected.backward"), (
        Check("_init_parameters: shapes, zero bias, uses init_weights", 0.5, "fc_init",
              _same("asked", "W", "b", "gW", "gb"), mistakes=("fc_init_shape_swapped", "fc_init_ignored")),
        Check("forward on random inputs (tanh)", 0.75, "fc_forward", _same("Y", "Ylin"),
              mistakes=("fc_no_bias", "fc_no_activation")),
        Check("forward with N = 1", 0.25, "fc_forward", _same("Y1"), mistakes=("fc_no_bias", "fc_no_activation")),
        Check("backward: dX matches the reference", 0.5, "fc_backward", _same("dX", "dY_after"),
              mistakes=("inplace_dY", "fc_skip_activation_backward")),
        Check("backward: dW matches the reference", 0.5, "fc_backward", _same("dW", "dW2"),
              mistakes=("fc_accumulated", "fc_dW_transposed", "fc_skip_activation_backward", "fc_mean")),
        Check("backward: db matches the reference", 0.5, "fc_backward", _same("db", "db2"),
              mistakes=("fc_accumulated", "fc_db_not_summed", "fc_skip_activation_backward", "fc_mean")),
        Check("backward passes the numeric gradient check (dX, dW, db)", 0.5, "fc_backward",
              (("dX", "dX_num"), ("dW", "dW_num"), ("db", "db_num")), kind=GRADIENT,
              mistakes=("fc_dW_transposed", "fc_db_not_summed", "fc_skip_activation_backward", "fc_mean")),
        Check("vectorised: no Python loops", 0.5, kind=VECTORISED, after="forward on random inputs (tanh)"),
    )),
    Section("SoftMax", 2.0, ("activations:SoftMax.forward", "activations:SoftMax.backward"), (
        Check("forward on random inputs", 0.5, "softmax_forward", _same("Y"),
              mistakes=("softmax_wrong_axis", "softmax_unnormalised")),
        Check("forward on large logits (±1000) and N = 1", 0.5, "softmax_forward", _same("Ybig", "Y1"),
              mistakes=("softmax_no_shift", "softmax_wrong_axis")),
        Check("backward matches the reference", 0.5, "softmax_backward", _same("dZ", "dY_after", "dZ2"),
              mistakes=("inplace_dY", "softmax_diagonal_only")),
        Check("backward passes the numeric gradient check", 0.5, "softmax_backward", (("dZ", "dZ_num"),),
              kind=GRADIENT, mistakes=("softmax_diagonal_only",)),
    )),
    Section("CrossEntropy", 1.0, ("losses:CrossEntropyLoss.forward", "losses:CrossEntropyLoss.backward"), (
        Check("forward on random logits", 0.25, "cross_entropy", _same("loss"),
              mistakes=("ce_sum_not_mean",)),
        Check("forward on large logits (±1000) and N = 1", 0.25, "cross_entropy", _same("lossbig", "loss1"),
              mistakes=("ce_no_logsumexp", "ce_sum_not_mean")),
        Check("backward matches the reference", 0.25, "cross_entropy", _same("dL", "dLbig", "dL1"),
              mistakes=("ce_grad_no_mean", "ce_grad_logits")),
        Check("backward passes the numeric gradient check", 0.125, "cross_entropy", (("dL", "dL_num"),),
              kind=GRADIENT, mistakes=("ce_grad_no_mean",)),
        Check("vectorised: no Python loops", 0.125, kind=VECTORISED, after="forward on random logits"),
    )),
    Section("Model", 1.0, ("models:NeuralNetwork.forward", "models:NeuralNetwork.backward"), (
        Check("forward through two layers", 0.4, "model", _same("logits", "loss"),
              mistakes=("model_forward_last_layer_only",)),
        Check("backward: dX and every layer's gradients match the reference", 0.4, "model",
              _same("dX", "dW1", "db1", "dW2", "db2")),
        Check("backward passes the numeric gradient check", 0.2, "model",
              (("dW1", "dW1_num"), ("db1", "db1_num"), ("dW2", "dW2_num"), ("db2", "db2_num")),
              kind=GRADIENT),
    ), needs=("FullyConnected", "CrossEntropy")),
    Section("Sigmoid", 0.0, ("activations:Sigmoid.forward", "activations:Sigmoid.backward"), (
        Check("forward on random inputs (practice)", 0.0, "sigmoid_forward", _same("Y")),
        Check("forward on edge inputs, no overflow at ±1000 (practice)", 0.0, "sigmoid_forward",
              _same("Y1", "Yk", "Ybig")),
        Check("backward matches the reference (practice)", 0.0, "sigmoid_backward",
              _same("dZ", "dY_after", "dZ2"), mistakes=("inplace_dY",)),
        Check("backward passes the numeric gradient check (practice)", 0.0, "sigmoid_backward",
              (("dZ", "dZ_num"),), kind=GRADIENT),
    )),
)

# What a student reads for a probe's key in a reason line.
KEY_LABELS = {
    "Y": "forward(Z)", "Y1": "forward(Z) with N = 1", "Yk": "forward(Z) at z = 0 and ±1e-12",
    "Ybig": "forward(Z) at ±1000", "Ylin": "forward(X) with the identity activation",
    "dZ": "backward(dY)", "dZ2": "backward(dY) after a second forward on new inputs",
    "dY_after": "dY after backward (backward must not change it)", "dZk": "backward(dY) at z = 0",
    "asked": "the shape passed to init_weights", "W": 'parameters["W"]', "b": 'parameters["b"]',
    "gW": 'gradients["W"] after _init_parameters', "gb": 'gradients["b"] after _init_parameters',
    "dX": "dX returned by backward", "dW": 'gradients["W"]', "db": 'gradients["b"]',
    "dX2": "dX of a second forward/backward", "dW2": 'gradients["W"] after a second forward/backward',
    "db2": 'gradients["b"] after a second forward/backward',
    "loss": "the loss", "lossbig": "the loss at logits of ±1000", "loss1": "the loss with N = 1",
    "dL": "backward()", "dLbig": "backward() at logits of ±1000", "dL1": "backward() with N = 1",
    "fc_forward.Y": "forward(X)", "fc_forward.Y1": "forward(X) with N = 1",
    "model.logits": "the network's output", "model.dX": "dX returned by the network's backward",
    "model.dW1": 'layer 1 gradients["W"]', "model.db1": 'layer 1 gradients["b"]',
    "model.dW2": 'layer 2 gradients["W"]', "model.db2": 'layer 2 gradients["b"]',
}
# Bias-like keys: a student's ``b`` of shape (H,) is as good as the reference's (1, H).
BIAS_KEYS = frozenset({"b", "gb", "db", "db2", "db1"})


def key_label(probe, key):
    """How a reason line names a probe's output."""
    return KEY_LABELS.get(f"{probe}.{key}") or KEY_LABELS.get(key, key)


def section(name):
    """The Section called ``name``."""
    for s in SECTIONS:
        if s.name == name:
            return s
    raise KeyError(f"unknown section {name!r}; expected one of {[s.name for s in SECTIONS]}")


def _check_points():
    # The rubric's own invariants: each section's checks add up to its points, and a vectorised check
    # names a check of its section that comes before it.
    for s in SECTIONS:
        total = sum(c.points for c in s.checks)
        assert abs(total - s.points) < 1e-9, f"{s.name}: checks add up to {total}, not {s.points}"
        names = [c.name for c in s.checks]
        for i, c in enumerate(s.checks):
            assert c.kind != VECTORISED or c.after in names[:i], f"{s.name}: {c.name} waits for {c.after!r}"


_check_points()
