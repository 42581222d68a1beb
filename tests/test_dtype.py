"""``dtype=np.float32``: a network that stays float32 end to end; float64 (the default) unchanged.

Every array a training step leaves behind is collected (parameters, gradients, the layers', activations'
and loss's caches, the optimiser's state) and its dtype checked.
"""

import numpy as np
import pytest

from autograder.reference.models import initialize_model
from tests.test_training import BAR, accuracy_of, run_training

N, D, C, HIDDEN = 32, 12, 4, 16


def batch(seed=0):
    """X : float64 (N, D), Y : float64 one-hot (N, C), as a dataset hands them over."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, D)), np.eye(C)[rng.integers(0, C, N)]


def arrays_of(model):
    """(where, array) for every ndarray the model holds after a training step."""
    found = []
    for i, layer in enumerate(model.layers):
        for kind, store in (("parameters", layer.parameters), ("gradients", layer.gradients),
                            ("cache", layer.cache), ("activation cache", layer.activation.cache)):
            found += [(f"layer {i} {kind} {name}", value) for name, value in store.items()]
    found += [(f"loss cache {name}", value) for name, value in model.loss.cache.items()]
    for key, state in model.optimizer.state.items():
        for value in state if isinstance(state, tuple) else (state,):
            found.append((f"optimizer state {key}", value))
    return [(where, value) for where, value in found if isinstance(value, np.ndarray)]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_array_of_a_training_step_has_the_models_dtype(dtype, optimizer):
    model = initialize_model(n_classes=C, hidden=HIDDEN, optimizer=optimizer, seed=0, dtype=dtype)
    X, Y = batch()                      # float64, as Iris gives them: the model converts them
    for _ in range(2):
        loss = model.train_step(X, Y)
    held = arrays_of(model)
    assert len(held) >= 16, f"expected parameters, gradients, caches and state; found {[w for w, _ in held]}"
    wrong = [f"{where}: {value.dtype}" for where, value in held if value.dtype != dtype]
    assert not wrong, f"dtype={np.dtype(dtype).name}, {optimizer}: arrays of another dtype: {wrong}"
    assert np.isfinite(loss), f"dtype={np.dtype(dtype).name}: loss {loss}"
    assert model.forward(X).dtype == dtype, "forward of a float64 X returns the model's dtype"
    assert model.backward(np.ones((N, C))).dtype == dtype, "backward returns the model's dtype"


def test_float64_is_the_default_and_float32_follows_it_closely():
    X, Y = batch(1)
    default, f64, f32 = (initialize_model(n_classes=C, hidden=HIDDEN, seed=0, **kw)
                         for kw in ({}, {"dtype": np.float64}, {"dtype": np.float32}))
    for _ in range(5):
        losses = [m.train_step(X, Y) for m in (default, f64, f32)]
    for a, b in zip(default.layers, f64.layers):
        for name in a.parameters:
            np.testing.assert_array_equal(a.parameters[name], b.parameters[name],
                                          err_msg=f"default vs dtype=float64: {name} differs")
    assert default.layers[0].parameters["W"].dtype == np.float64, "the default is float64"
    # Same initial weights (rounded), same steps: float32 rounding (1e-7 relative) barely moves 5 steps.
    for a, b in zip(f64.layers, f32.layers):
        for name in a.parameters:
            np.testing.assert_allclose(b.parameters[name], a.parameters[name], rtol=1e-4, atol=1e-5,
                                       err_msg=f"float32 vs float64 after 5 steps: {name}")
    assert abs(losses[2] - losses[1]) < 1e-4, f"losses after 5 steps: float32 {losses[2]}, float64 {losses[1]}"


def test_evaluate_and_predict_take_float64_data_on_a_float32_model():
    X, Y = batch(2)
    model = initialize_model(n_classes=C, hidden=HIDDEN, seed=0, dtype=np.float32)
    loss, accuracy = model.evaluate(X, Y)
    assert np.isfinite(loss) and 0.0 <= accuracy <= 1.0, f"evaluate gave ({loss}, {accuracy})"
    assert model.loss.cache and all(v.dtype == np.float32 for v in model.loss.cache.values()), \
        f"evaluate's loss ran in {[v.dtype for v in model.loss.cache.values()]}"
    assert model.predict(X).shape == (N,), "predict gives one class per sample"


def test_train_ffnn_dtype_float32_reaches_the_bar_and_names_its_files(reference_kit):
    proc = run_training(reference_kit, "--dtype", "float32", "--out", "runs")
    assert proc.returncode == 0, f"--dtype float32: exit {proc.returncode}; stderr:\n{proc.stderr}"
    accuracy = accuracy_of(proc)
    assert accuracy >= BAR, f"--dtype float32: test accuracy {accuracy:.3f} is below the bar {BAR}"
    written = sorted(p.name for p in (reference_kit / "runs").iterdir())
    expected = ["lr0.05_h16_seed0_float32.json", "lr0.05_h16_seed0_float32.png"]
    assert written == expected, f"--dtype float32: runs/ holds {written}, expected {expected}"
