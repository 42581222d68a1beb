"""The rubric: sections, their regions, their checks and their points. The one place points are defined.

A check compares the student's arrays from one probe (``probes.py``) with the reference's: a "values"
check with ``rtol = 1e-5``, a "gradient" check by relative error below 1e-6 against the reference's
central-difference gradient (computed in the trusted parent, never in the child). A "vectorised" check
reads the section's regions for Python loops; it pays only once the forward check it names passes.

Points go to what the homework's text asks for. What it leaves open (the ReLU derivative at the kink) or
does not ask for (cross-entropy at logits of ±1000) is a *note*: a check worth 0 points whose failure the
student reads as advice, never as a lost point. To score a note, give it points here (and take them from
another check of its section: a section's checks add up to its points).
"""

from dataclasses import dataclass

from .messages import en, msg

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
    note: bool = False            # beyond what the homework asks: a failure is advice (see the docstring)

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
    practice: bool = False        # a warm-up of the homework (0 points), not one of its optional parts


def _same(*keys):
    return tuple((k, k) for k in keys)


SECTIONS = (
    Section("ReLU", 2.0, ("activations:ReLU.forward", "activations:ReLU.backward"), (
        Check("forward on random inputs", 0.5, "relu_forward", _same("Y"),
              mistakes=("relu_identity", "relu_abs", "relu_mask_forward")),
        Check("forward on edge inputs (N = 1, zeros, ±1e-12, ±1000)", 0.25, "relu_forward",
              _same("Y1", "Yk", "Ybig"),
              mistakes=("relu_identity", "relu_abs", "relu_mask_forward", "relu_kink_forward")),
        Check("backward matches the reference", 0.75, "relu_backward", _same("dZ", "dY_after", "dZ2"),
              mistakes=("inplace_dY", "relu_output_times_dY", "relu_mask_only", "relu_no_mask",
                        "relu_mask_from_dY")),
        Check("backward passes the numeric gradient check", 0.25, "relu_backward", (("dZ", "dZ_num"),),
              kind=GRADIENT, mistakes=("relu_output_times_dY", "relu_mask_only", "relu_no_mask",
                                       "relu_mask_from_dY")),
        Check("vectorised: no Python loops", 0.25, kind=VECTORISED, after="forward on random inputs"),
        Check("note: backward at the kink z = 0", 0.0, "relu_kink", _same("dZk"), note=True,
              mistakes=("relu_mask_ge", "relu_output_times_dY")),
    )),
    Section("FullyConnected", 4.0, ("fully_connected:FullyConnected._init_parameters",
                                    "fully_connected:FullyConnected.forward",
                                    "fully_connected:FullyConnected.backward"), (
        Check("_init_parameters: shapes, zero bias, uses init_weights", 0.5, "fc_init",
              _same("asked", "W", "b", "gW", "gb"),
              mistakes=("fc_init_shape_swapped", "fc_init_zero", "fc_init_ignored")),
        Check("forward on random inputs (tanh)", 0.75, "fc_forward", _same("Y", "Ylin"),
              mistakes=("fc_no_bias", "fc_no_activation")),
        Check("forward with N = 1", 0.25, "fc_forward", _same("Y1"), mistakes=("fc_no_bias", "fc_no_activation")),
        Check("backward: dX matches the reference", 0.5, "fc_backward", _same("dX", "dY_after"),
              mistakes=("inplace_dY", "fc_skip_activation_backward")),
        Check("backward: dW matches the reference", 0.5, "fc_backward", _same("dW", "dW2"),
              mistakes=("fc_accumulated", "fc_dW_transposed", "fc_skip_activation_backward", "fc_mean")),
        Check("backward: db matches the reference", 0.5, "fc_backward", _same("db", "db2"),
              mistakes=("fc_accumulated", "fc_db_not_summed", "fc_db_wrong_shape", "fc_skip_activation_backward",
                        "fc_mean")),
        Check("backward passes the numeric gradient check (dX, dW, db)", 0.5, "fc_backward",
              (("dX", "dX_num"), ("dW", "dW_num"), ("db", "db_num")), kind=GRADIENT,
              mistakes=("fc_dW_transposed", "fc_db_not_summed", "fc_db_wrong_shape", "fc_skip_activation_backward",
                        "fc_mean")),
        Check("vectorised: no Python loops", 0.5, kind=VECTORISED, after="forward on random inputs (tanh)"),
    )),
    Section("SoftMax", 2.0, ("activations:SoftMax.forward", "activations:SoftMax.backward"), (
        Check("forward on random inputs", 0.5, "softmax_forward", _same("Y"),
              mistakes=("softmax_wrong_axis", "softmax_unnormalised")),
        Check("forward with N = 1", 0.25, "softmax_forward", _same("Y1"),
              mistakes=("softmax_wrong_axis", "softmax_unnormalised")),
        # The homework asks for the max shift: this edge case is scored.
        Check("forward on large logits (±1000): the max shift", 0.25, "softmax_forward", _same("Ybig"),
              mistakes=("softmax_no_shift", "softmax_wrong_axis")),
        Check("backward matches the reference", 0.5, "softmax_backward", _same("dZ", "dY_after", "dZ2"),
              mistakes=("inplace_dY", "softmax_diagonal_only")),
        Check("backward passes the numeric gradient check", 0.5, "softmax_backward", (("dZ", "dZ_num"),),
              kind=GRADIENT, mistakes=("softmax_diagonal_only",)),
    )),
    Section("CrossEntropy", 1.0, ("losses:CrossEntropyLoss.forward", "losses:CrossEntropyLoss.backward"), (
        Check("forward on random logits", 0.25, "cross_entropy", _same("loss"),
              mistakes=("ce_sum_not_mean",)),
        Check("forward with N = 1", 0.25, "cross_entropy", _same("loss1"), mistakes=("ce_sum_not_mean",)),
        Check("backward matches the reference", 0.25, "cross_entropy", _same("dL", "dL1"),
              mistakes=("ce_grad_no_mean", "ce_grad_logits")),
        Check("backward passes the numeric gradient check", 0.125, "cross_entropy", (("dL", "dL_num"),),
              kind=GRADIENT, mistakes=("ce_grad_no_mean",)),
        Check("vectorised: no Python loops", 0.125, kind=VECTORISED, after="forward on random logits"),
        Check("note: forward on large logits (±1000)", 0.0, "cross_entropy_big", _same("lossbig"), note=True,
              mistakes=("ce_no_logsumexp", "ce_log_eps")),
        Check("note: backward on large logits (±1000)", 0.0, "cross_entropy_big", _same("dLbig"), note=True,
              mistakes=("ce_grad_through_probabilities",)),
    ), needs=("SoftMax",)),
    Section("Model", 1.0, ("models:NeuralNetwork.forward", "models:NeuralNetwork.backward"), (
        Check("forward through two layers", 0.4, "model", _same("logits", "loss"),
              mistakes=("model_forward_last_layer_only", "model_returns_probabilities")),
        Check("backward: dX and every layer's gradients match the reference", 0.4, "model",
              _same("dX", "dW1", "db1", "dW2", "db2"),
              mistakes=("model_backward_wrong_order", "model_forward_last_layer_only",
                        "model_backward_skips_first_layer")),
        Check("backward passes the numeric gradient check", 0.2, "model",
              (("dW1", "dW1_num"), ("db1", "db1_num"), ("dW2", "dW2_num"), ("db2", "db2_num")),
              kind=GRADIENT, mistakes=("model_backward_wrong_order", "model_forward_last_layer_only",
                                       "model_backward_skips_first_layer")),
    ), needs=("FullyConnected", "CrossEntropy", "SoftMax")),
    Section("Sigmoid", 0.0, ("activations:Sigmoid.forward", "activations:Sigmoid.backward"), (
        Check("forward on random inputs (practice)", 0.0, "sigmoid_forward", _same("Y")),
        Check("forward on edge inputs, no overflow at ±1000 (practice)", 0.0, "sigmoid_forward",
              _same("Y1", "Yk", "Ybig")),
        Check("backward matches the reference (practice)", 0.0, "sigmoid_backward",
              _same("dZ", "dY_after", "dZ2"), mistakes=("inplace_dY",)),
        Check("backward passes the numeric gradient check (practice)", 0.0, "sigmoid_backward",
              (("dZ", "dZ_num"),), kind=GRADIENT),
    ), practice=True),
    # --- optional parts: 0 points by default. To grade one, give its section points and share
    # them among its checks (they must add up: see _check_points).
    Section("L2", 0.0, ("regularization:l2_penalty", "regularization:l2_gradient"), (
        Check("l2_penalty on random weights and with weight_decay = 0", 0.0, "l2_terms",
              _same("penalty", "penalty0")),
        Check("l2_gradient matches the reference and leaves the weights unchanged", 0.0, "l2_terms",
              _same("dW1", "dW2", "W_after")),
        Check("l2_gradient passes the numeric gradient check", 0.0, "l2_terms",
              (("dW1", "dW1_num"), ("dW2", "dW2_num")), kind=GRADIENT),
        Check("a network with weight_decay: the loss includes the penalty", 0.0, "l2_model", _same("loss")),
        Check("a network with weight_decay: every layer's gradients match the reference", 0.0, "l2_model",
              _same("dW1", "db1", "dW2", "db2")),
        Check("a network with weight_decay passes the numeric gradient check", 0.0, "l2_model",
              (("dW1", "dW1_num"), ("db1", "db1_num"), ("dW2", "dW2_num"), ("db2", "db2_num")),
              kind=GRADIENT),
    ), needs=("FullyConnected", "CrossEntropy", "SoftMax", "Model")),
    Section("Regression losses", 0.0, ("losses:MSELoss.forward", "losses:MSELoss.backward",
                                       "losses:L1Loss.forward", "losses:L1Loss.backward"), (
        Check("MSELoss forward on random inputs and N = 1", 0.0, "mse", _same("loss", "loss1")),
        Check("MSELoss backward matches the reference", 0.0, "mse", _same("dL", "dL1")),
        Check("MSELoss backward passes the numeric gradient check", 0.0, "mse", (("dL", "dL_num"),),
              kind=GRADIENT),
        Check("L1Loss forward on random inputs, N = 1 and exact predictions", 0.0, "l1",
              _same("loss", "loss1", "lossk")),
        Check("L1Loss backward matches the reference", 0.0, "l1", _same("dL", "dL1")),
        Check("L1Loss backward at exact predictions (subgradient 0)", 0.0, "l1", _same("dLk")),
        Check("L1Loss backward passes the numeric gradient check", 0.0, "l1", (("dL", "dL_num"),),
              kind=GRADIENT),
        Check("vectorised: no Python loops", 0.0, kind=VECTORISED, after="MSELoss forward on random inputs and N = 1"),
    )),
    Section("Computational graph", 0.0, ("computational_graph:MulLayer.forward",
                                         "computational_graph:MulLayer.backward",
                                         "computational_graph:AddLayer.forward",
                                         "computational_graph:AddLayer.backward"), (
        Check("MulLayer forward on random inputs", 0.0, "graph_nodes", _same("mul")),
        Check("MulLayer backward matches the reference", 0.0, "graph_nodes", _same("dmul_x", "dmul_y")),
        Check("AddLayer forward on random inputs", 0.0, "graph_nodes", _same("add")),
        Check("AddLayer backward matches the reference", 0.0, "graph_nodes", _same("dadd_x", "dadd_y")),
        Check("backward passes the numeric gradient check (MulLayer and AddLayer)", 0.0, "graph_nodes",
              (("dmul_x", "dmul_x_num"), ("dmul_y", "dmul_y_num"), ("dadd_x", "dadd_x_num"),
               ("dadd_y", "dadd_y_num")), kind=GRADIENT),
        Check("the textbook's shopping example: price 715, gradients 2.2, 110, 3.3, 165, 650", 0.0,
              "shopping", _same("price", "dapple", "dapple_count", "dorange", "dorange_count", "dtax")),
    )),
)

# The inputs each probe output is computed from, shown (by shape) with a failed check; names a probe
# does not have are left out.
KEY_INPUTS = {
    "Y": ("Z", "X", "W", "b"), "Y1": ("Z1", "X1", "W", "b"), "Yk": ("Zk",), "Ybig": ("Zbig",),
    "Ylin": ("X", "W", "b"), "dZ": ("Zb", "dY"), "dZ2": ("Z2", "dY2"), "dY_after": ("dY",),
    "dZk": ("Zk", "dYk"), "dX": ("X", "W", "b", "dY"), "dW": ("X", "W", "b", "dY"), "db": ("X", "W", "b", "dY"),
    "dW2": ("X2", "dY2"), "db2": ("X2", "dY2"), "loss": ("L", "Y"), "lossbig": ("Lbig", "Ybig"),
    "loss1": ("L1", "Y1"), "dL": ("L", "Y"), "dLbig": ("Lbig", "Ybig"), "dL1": ("L1", "Y1"),
    "logits": ("X", "W1", "b1", "W2", "b2"), "dW1": ("X", "Y", "W1", "b1", "W2", "b2"),
    "db1": ("X", "Y", "W1", "b1", "W2", "b2"),
    "model.dX": ("X", "Y", "W1", "b1", "W2", "b2"), "model.dW2": ("X", "Y", "W1", "b1", "W2", "b2"),
    "model.db2": ("X", "Y", "W1", "b1", "W2", "b2"), "model.loss": ("X", "Y", "W1", "b1", "W2", "b2"),
    # --- optional parts
    "penalty": ("W1", "W2"), "penalty0": ("W1",), "W_after": ("W1",), "l2_terms.dW1": ("W1", "W2"),
    "l2_terms.dW2": ("W1", "W2"), "l2_model.dW2": ("X", "Y", "W1", "b1", "W2", "b2"),
    "l2_model.db2": ("X", "Y", "W1", "b1", "W2", "b2"), "l2_model.loss": ("X", "Y", "W1", "b1", "W2", "b2"),
    "mse.loss": ("P", "T"), "mse.dL": ("P", "T"), "mse.loss1": ("P1", "T1"), "mse.dL1": ("P1", "T1"),
    "l1.loss": ("P", "T"), "l1.dL": ("P", "T"), "l1.loss1": ("P1", "T1"), "l1.dL1": ("P1", "T1"),
    "lossk": ("Pk", "Tk"), "dLk": ("Pk", "Tk"), "mul": ("x", "y"), "add": ("x", "y"),
    "dmul_x": ("x", "y", "dout"), "dmul_y": ("x", "y", "dout"), "dadd_x": ("x", "y", "dout"),
    "dadd_y": ("x", "y", "dout"),
}
# Bias-like keys: a student's ``b`` of shape (H,) is as good as the reference's (1, H).
BIAS_KEYS = frozenset({"b", "gb", "db", "db2", "db1"})


def key_label(probe, key):
    """How a reason line names a probe's output: the catalogue's ``label:<probe>.<key>`` or ``label:<key>``."""
    for name in (f"label:{probe}.{key}", f"label:{key}"):
        if name in en.MESSAGES:
            return msg(name)
    return key


def key_inputs(probe, probe_inputs, key):
    """``(("X", "(6, 4)"), ...)``: the shapes of the inputs a probe's output ``key`` is computed from."""
    key = key.removesuffix("_num")
    names = KEY_INPUTS.get(f"{probe}.{key}") or KEY_INPUTS.get(key, ())
    return tuple((name, str(tuple(probe_inputs[name].shape))) for name in names if name in probe_inputs)


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
