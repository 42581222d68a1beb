"""``FullyConnected.needs_input_grad``: ``train_step`` lets the first layer skip ``dX = dZ W^T``.

Training never uses the gradient with respect to the data, so the first layer's dX is wasted work (a
product as large as its dW). Skipping it must change nothing else: the same dW and db, the same losses and
parameters step for step, the flag back as it was after the step, and a student's solution that always
computes dX still training. Nothing here is timed.
"""

import importlib.util
import sys

import numpy as np
import pytest

from autograder.reference.fully_connected import FullyConnected
from autograder.reference.models import NeuralNetwork, initialize_model
from autograder.reference.optimizers import initialize_optimizer
from tests.kits import with_change, write_package

N, D, H, C, STEPS = 32, 12, 16, 4, 5
FC_BACKWARD = "fully_connected:FullyConnected.backward"


def batches(seed=0, dtype=np.float64):
    """STEPS batches (X (N, D), Y one-hot (N, C))."""
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(N, D)).astype(dtype), np.eye(C, dtype=dtype)[rng.integers(0, C, N)])
            for _ in range(STEPS)]


class Recording(FullyConnected):
    """The reference layer, keeping what each ``backward`` returned."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.returned = []

    def backward(self, dLdY):
        dX = super().backward(dLdY)
        self.returned.append(dX)
        return dX


class AlwaysInputGrad(Recording):
    """The reference layer with the flag bypassed: it reads True whatever the network sets."""

    needs_input_grad = property(lambda self: True, lambda self, value: None)


def two_layer(layer_class, dtype=np.float64, optimizer="sgd"):
    """``initialize_model``'s network (same seed, so the same initial weights) built from ``layer_class``."""
    rng = np.random.default_rng(0)
    layers = [layer_class(H, "relu", rng=rng, dtype=dtype), layer_class(C, "identity", rng=rng, dtype=dtype)]
    return NeuralNetwork(layers, "cross_entropy", initialize_optimizer(optimizer), dtype=dtype)


@pytest.mark.parametrize("activation", ["relu", "tanh", "identity"])
def test_backward_without_input_grad_returns_none_and_the_same_parameter_gradients(activation):
    rng = np.random.default_rng(1)
    X, dY = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    layer = FullyConnected(H, activation, rng=np.random.default_rng(2))
    assert layer.needs_input_grad is True, "a new layer needs its input's gradient unless told otherwise"
    layer.forward(X)
    dX = layer.backward(dY.copy())
    dW, db = layer.gradients["W"], layer.gradients["b"]
    assert isinstance(dX, np.ndarray) and dX.shape == (N, D), f"{activation}: dX with the flag True: {dX!r}"
    layer.needs_input_grad = False
    layer.forward(X)
    assert layer.backward(dY.copy()) is None, f"{activation}: backward with needs_input_grad False returns None"
    np.testing.assert_array_equal(layer.gradients["W"], dW, err_msg=f"{activation}: dW depends on the flag")
    np.testing.assert_array_equal(layer.gradients["b"], db, err_msg=f"{activation}: db depends on the flag")


def test_train_step_clears_the_first_layers_flag_for_the_step_only():
    model = two_layer(Recording)
    first, last = model.layers
    (X, Y), = batches()[:1]
    model.train_step(X, Y)
    assert first.returned == [None], f"the first layer's backward in train_step returned {first.returned!r}"
    assert isinstance(last.returned[0], np.ndarray), "the last layer's dX feeds the first layer: still computed"
    assert first.needs_input_grad is True and last.needs_input_grad is True, \
        f"flags after train_step: {first.needs_input_grad}, {last.needs_input_grad}; both should be True again"
    assert isinstance(model.backward(model.loss.backward()), np.ndarray), \
        "NeuralNetwork.backward after a train_step still returns the gradient with respect to X"
    first.needs_input_grad = False
    model.train_step(X, Y)
    assert first.needs_input_grad is False, "train_step restores the flag as it found it, not to True"


def test_train_step_restores_the_flag_when_the_step_raises():
    class Failing(FullyConnected):
        def backward(self, dLdY):
            self.flag_seen = self.needs_input_grad
            raise RuntimeError("backward failed")

    rng = np.random.default_rng(0)
    first = Failing(H, "relu", rng=rng)
    model = NeuralNetwork([first, FullyConnected(C, "identity", rng=rng)], "cross_entropy")
    (X, Y), = batches()[:1]
    with pytest.raises(RuntimeError, match="backward failed"):
        model.train_step(X, Y)
    assert first.flag_seen is False, "during train_step the first layer's needs_input_grad is False"
    assert first.needs_input_grad is True, "after a train_step that raised, the first layer's flag is True again"


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_skipping_the_input_gradient_changes_no_loss_and_no_parameter(dtype, optimizer):
    # The skipped product feeds nothing, so every other operation sees the same values: exact equality.
    skipping, computing = two_layer(Recording, dtype, optimizer), two_layer(AlwaysInputGrad, dtype, optimizer)
    for step, (X, Y) in enumerate(batches(dtype=dtype)):
        ours, theirs = skipping.train_step(X, Y), computing.train_step(X, Y)
        assert ours == theirs, f"{np.dtype(dtype).name} {optimizer} step {step}: loss {ours} != {theirs}"
        for i, (a, b) in enumerate(zip(skipping.layers, computing.layers)):
            for name in a.parameters:
                np.testing.assert_array_equal(a.parameters[name], b.parameters[name],
                                              err_msg=f"{np.dtype(dtype).name} {optimizer} step {step}: "
                                                      f"layer {i} {name}")
    assert skipping.layers[0].returned == [None] * STEPS, "the flag-honouring first layer skipped dX every step"
    assert all(isinstance(dX, np.ndarray) for dX in computing.layers[0].returned), \
        "the bypassed first layer computed dX every step"


@pytest.fixture
def older_solution(tmp_path):
    """The handout with the reference's regions, except FullyConnected.backward as written before the flag
    existed (``dX = dZ @ W.T`` always), imported under a name of its own."""
    texts = with_change(FC_BACKWARD, "dX = dZ @ W.T if self.needs_input_grad else None", "dX = dZ @ W.T")
    package = write_package(tmp_path, texts)
    name = "older_hw1_solution"
    spec = importlib.util.spec_from_file_location(name, package / "__init__.py",
                                                  submodule_search_locations=[str(package)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield importlib.import_module(f"{name}.models"), importlib.import_module(f"{name}.fully_connected")
    finally:
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[key]


def test_a_solution_that_always_computes_the_input_gradient_still_trains(older_solution):
    models, fully_connected = older_solution
    older, reference = models.initialize_model(n_classes=C, hidden=H), initialize_model(n_classes=C, hidden=H)
    for step, (X, Y) in enumerate(batches(1)):
        ours, theirs = reference.train_step(X, Y), older.train_step(X, Y)
        assert ours == theirs, f"step {step}: the older solution's loss {theirs} != the reference's {ours}"
    np.testing.assert_array_equal(older.layers[0].parameters["W"], reference.layers[0].parameters["W"],
                                  err_msg=f"W1 after {STEPS} steps of the older solution")
    first = older.layers[0]
    assert first.needs_input_grad is True, "the older solution's first layer has its flag back after training"
    first.needs_input_grad = False
    first.forward(X)
    dX = first.backward(np.ones((N, H)))
    assert isinstance(dX, np.ndarray) and dX.shape == (N, D), \
        f"the older solution ignores the flag (computes dX anyway), as this test assumes: {dX!r}"
