"""``grad_check.check_gradient`` at sizes where a full check is too slow: directional derivatives.

The claim under test (see its docstring): with random-sign unit directions the directional relative error
estimates the full one, so one tolerance serves both modes, and it still catches a 1% error in ONE entry
of a 784 x 256 weight gradient while a correct gradient passes.
"""

import numpy as np
import pytest

from autograder.reference.fully_connected import FullyConnected
from autograder.reference.grad_check import MAX_FULL, TOLERANCE, check_gradient

D, H, N = 784, 256, 64


def layer_and_gradients(activation, seed, D=D, H=H):
    """A FullyConnected(H, activation) after one forward and backward on seeded (N, D) inputs."""
    rng = np.random.default_rng(seed)
    layer = FullyConnected(H, activation, rng=rng)
    X, dY = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    layer.forward(X)
    dX = layer.backward(dY)
    return layer, X, dY, dX


def typical_entry(G):
    """The index of the entry of median magnitude among the nonzero ones: neither the easiest to catch
    (the largest) nor one whose 1% is nothing at all (a dead ReLU unit's exact 0)."""
    flat = np.abs(G).ravel()
    nonzero = np.flatnonzero(flat)
    pick = nonzero[np.argsort(flat[nonzero])[len(nonzero) // 2]]
    return np.unravel_index(pick, G.shape)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("seed", [0, 1])
def test_a_one_percent_error_in_one_entry_of_a_784x256_dW_is_caught(activation, seed):
    layer, X, dY, _ = layer_and_gradients(activation, seed)
    W, dW = layer.parameters["W"], layer.gradients["W"].copy()
    before = W.copy()

    def f(_):
        return layer.forward(X)

    correct = check_gradient(f, W, dW, dY, seed=seed)
    assert correct.mode == "directional", f"{W.size} entries > MAX_FULL={MAX_FULL}: expected directional mode"
    assert correct.calls == 32, f"16 directions cost 32 calls of f; got {correct.calls}"
    assert correct.ok, f"{activation} seed {seed}: the correct dW fails: {correct}"
    np.testing.assert_array_equal(W, before, err_msg="check_gradient must restore W exactly")

    i, j = typical_entry(dW)
    wrong = dW.copy()
    wrong[i, j] *= 1.01
    caught = check_gradient(f, W, wrong, dY, seed=seed)
    # Signs for directions make the error exactly |0.01 dW_ij| sqrt(K/n) in the K projections, against
    # about ||dW|| sqrt(K/n) in each: a relative error near 0.005 |dW_ij| / ||dW||, about 7e-6 for an entry
    # of median size, 70x the tolerance 1e-7, which in turn is 15x above the 4e-9-7e-9 that rounding
    # gives a correct gradient here.
    expected = 0.005 * abs(dW[i, j]) / np.linalg.norm(dW)
    assert not caught.ok, f"{activation} seed {seed}: 1% at {(i, j)} passes: {caught}"
    assert 0.5 * expected < caught.error < 2 * expected, \
        f"{activation} seed {seed}: error {caught.error:.1e}, predicted {expected:.1e}"
    assert correct.error < TOLERANCE / 5, \
        f"{activation} seed {seed}: the correct dW comes within 5x of the tolerance: {correct}"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_directional_error_estimates_the_full_one(seed):
    # A 70 x 60 layer (4200 entries) is small enough to check in full and large enough to be directional
    # by default, so both modes see the same wrong gradient: 2% noise on every entry of dW.
    layer, X, dY, _ = layer_and_gradients("tanh", seed, D=70, H=60)
    W, dW = layer.parameters["W"], layer.gradients["W"]
    wrong = dW * (1 + 0.02 * np.random.default_rng(seed).standard_normal(dW.shape))

    def f(_):
        return layer.forward(X)

    full = check_gradient(f, W, wrong, dY, max_full=W.size)
    directional = check_gradient(f, W, wrong, dY, seed=seed)
    assert (full.mode, directional.mode) == ("full", "directional"), f"modes {full.mode}, {directional.mode}"
    assert 1 / 3 < directional.error / full.error < 3, \
        f"seed {seed}: directional {directional.error:.2e} vs full {full.error:.2e}: not the same scale"


def test_small_inputs_are_checked_in_full_and_the_input_gradient_too():
    layer, X, dY, dX = layer_and_gradients("relu", 0, D=6, H=5)
    result = check_gradient(layer.forward, X, dX, dY)
    assert result.mode == "full" and result.calls == 2 * X.size, f"expected a full check of X: {result}"
    assert result.ok, f"the correct dX of a small layer fails: {result}"


def test_float32_input_and_a_misshapen_gradient_are_clear_errors():
    x = np.zeros((3, 2), dtype=np.float32)
    with pytest.raises(TypeError, match="float64"):
        check_gradient(lambda z: z, x, np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"shape \(2, 3\); x has \(3, 2\)"):
        check_gradient(lambda z: z, np.zeros((3, 2)), np.zeros((2, 3)))
