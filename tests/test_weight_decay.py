"""L2 regularisation: the penalty, its gradient, a network with ``weight_decay``, and the grader's L2 section."""

import shutil

import numpy as np
import pytest

from autograder.paths import HANDOUT_DIR
from autograder.reference import models
from autograder.reference.datasets import Iris
from autograder.reference.grad_check import numeric_gradient, relative_error
from autograder.reference.models import initialize_model
from autograder.reference.regularization import l2_gradient, l2_penalty
from autograder.report import PASSED
from tests import kits
from tests.optional_parts import assert_all_pass, failures, section_checks
from tests.test_training import run_training

SECTION = "L2"
LAMBDA = 0.05


def _batch(seed, N=6, D=4, C=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, D)), np.eye(C)[rng.integers(0, C, size=N)]


def test_penalty_and_gradient_of_known_weights():
    weights = [np.array([[1.0, -2.0]]), np.array([[3.0], [0.5]])]
    assert l2_penalty(weights, 0.1) == pytest.approx(0.1 * (1 + 4 + 9 + 0.25)), "lambda * sum of squares"
    dWs = l2_gradient(weights, 0.1)
    for W, dW in zip(weights, dWs):
        np.testing.assert_allclose(dW, 0.2 * W, rtol=1e-12, err_msg="2 lambda W")
    np.testing.assert_array_equal(weights[0], [[1.0, -2.0]], err_msg="l2_gradient changed the weights")


@pytest.mark.parametrize("seed", range(3))
def test_the_network_adds_the_penalty_to_the_loss_and_its_gradient_to_dW(seed):
    X, Y = _batch(seed)
    plain = initialize_model(hidden=5, activation="tanh", seed=seed)
    decayed = initialize_model(hidden=5, activation="tanh", seed=seed, weight_decay=LAMBDA)
    loss0, loss = plain.loss_and_gradients(X, Y), decayed.loss_and_gradients(X, Y)
    weights = [layer.parameters["W"] for layer in decayed.layers]
    assert loss == pytest.approx(loss0 + LAMBDA * sum(np.sum(W ** 2) for W in weights), rel=1e-12), \
        f"seed {seed}: the loss is the mean loss plus lambda sum ||W||^2"
    for i, (a, b) in enumerate(zip(plain.layers, decayed.layers), start=1):
        np.testing.assert_allclose(b.gradients["W"], a.gradients["W"] + 2 * LAMBDA * a.parameters["W"], rtol=1e-12,
                                   err_msg=f"seed {seed}: layer {i} dW = dW of the loss + 2 lambda W")
        np.testing.assert_allclose(b.gradients["b"], a.gradients["b"], rtol=1e-12,
                                   err_msg=f"seed {seed}: layer {i} db: the biases are not penalised")
    assert decayed.evaluate(X, Y)[0] == pytest.approx(loss, rel=1e-12), "evaluate reports the same loss"


@pytest.mark.parametrize("seed", range(3))
def test_the_networks_gradients_pass_the_numeric_check(seed):
    X, Y = _batch(seed)
    net = initialize_model(hidden=5, activation="tanh", seed=seed, weight_decay=LAMBDA)
    net.loss_and_gradients(X, Y)
    for i, layer in enumerate(net.layers, start=1):
        for name in ("W", "b"):
            num = numeric_gradient(lambda _: net.evaluate(X, Y)[0], layer.parameters[name])
            err = relative_error(layer.gradients[name], num)
            assert err < 1e-7, f"seed {seed}: layer {i} d{name}, relative error {err:.1e}"


def test_without_weight_decay_the_regions_are_never_called(monkeypatch):
    def unfilled(*args):
        raise NotImplementedError("regularization:l2_penalty")
    monkeypatch.setattr(models, "l2_penalty", unfilled)
    monkeypatch.setattr(models, "l2_gradient", unfilled)
    X, Y = _batch(0)
    net = initialize_model(hidden=5, seed=0)
    assert np.isfinite(net.train_step(X, Y)) and np.isfinite(net.evaluate(X, Y)[0]), \
        "a network without weight decay must train on a kit whose L2 regions are not filled"


def test_a_negative_weight_decay_is_a_clear_error():
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        initialize_model(weight_decay=-0.1)


def test_weight_decay_shrinks_the_trained_weights():
    data = Iris()
    norms = {}
    for decay in (0.0, 0.01):
        net = initialize_model(hidden=16, seed=0, weight_decay=decay, lr=0.05)
        rng = np.random.default_rng(0)
        for _ in range(30):
            for X, Y in data.train.batches(16, rng):
                net.train_step(X, Y)
        norms[decay] = sum(np.sum(layer.parameters["W"] ** 2) for layer in net.layers)
    assert norms[0.01] < 0.8 * norms[0.0], f"sum ||W||^2 after 30 epochs: {norms}"


def test_the_reference_passes_every_check(tmp_path):
    checks = section_checks(tmp_path, kits.reference_regions(), SECTION)
    assert len(checks) == 6 and all(c.status == PASSED for c in checks), failures(checks)


def test_a_penalty_written_with_the_frobenius_norm_is_correct(tmp_path):
    assert_all_pass(tmp_path, {"regularization:l2_penalty": (
        "sum(np.sum(W * W) for W in weights)", "sum(np.linalg.norm(W) ** 2 for W in weights)")}, SECTION)


def test_a_gradient_that_changes_the_weights_in_place_fails(tmp_path):
    texts = kits.with_change("regularization:l2_gradient", "dWs = [2.0 * weight_decay * W for W in weights]",
                             "dWs = [W for W in weights]\n    for W in dWs:\n        W *= 2.0 * weight_decay")
    checks = {c.name: c for c in section_checks(tmp_path, texts, SECTION)}
    check = checks["l2_gradient matches the reference and leaves the weights unchanged"]
    assert check.status != PASSED and "must not change them" in str(check.reason), f"{check.reason}"


def test_training_with_weight_decay_names_an_unfilled_l2_region_in_one_line(reference_kit):
    # The reference everywhere but regularization.py, which is the handout's stub.
    shutil.copyfile(HANDOUT_DIR / "regularization.py", reference_kit / "hw1_student" / "regularization.py")
    plain = run_training(reference_kit, "--epochs", "2", "--out", "runs")
    assert plain.returncode == 0, f"without --weight-decay the L2 regions are not needed: {plain.stderr}"
    proc = run_training(reference_kit, "--epochs", "2", "--weight-decay", "0.01", "--out", "runs")
    output = (proc.stdout + proc.stderr).splitlines()
    assert proc.returncode == 1 and len(output) == 1, f"exit {proc.returncode}:\n{proc.stdout}{proc.stderr}"
    assert "regularization:l2_penalty" in output[0] and "hw1_student/regularization.py" in output[0], output[0]
