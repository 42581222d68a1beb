"""The baselines of ``benchmarks/bench_training.py`` train the same network as the reference.

A throughput ratio means something only if both sides do the same work: the hand-written ``minimal`` MLP
(with and without the input gradient) must give the reference's losses, step for step, from the same
initial weights, and the ``reference`` variant must skip the first layer's input gradient, as ``minimal``
does. Nothing here is timed.
"""

import numpy as np
import pytest

from benchmarks.bench_training import C, D, Minimal, Reference

N, BATCH, STEPS = 600, 128, 4


@pytest.mark.parametrize("input_gradient", [False, True])
def test_minimal_gives_the_references_losses_step_for_step(input_gradient):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    Y = np.eye(C)[y]
    reference, minimal = Reference(X, y, Y, np.float64), Minimal(X, y, Y, np.float64, input_gradient)
    batches = [rng.permutation(N)[:BATCH] for _ in range(STEPS)]
    ours = [reference.step(idx) for idx in batches]
    theirs = [minimal.step(idx) for idx in batches]
    np.testing.assert_allclose(theirs, ours, rtol=1e-10,
                               err_msg=f"{minimal.name}: losses differ from the reference's over {STEPS} steps")
    np.testing.assert_allclose(minimal.W1, reference.model.layers[0].parameters["W"], rtol=1e-10, atol=1e-14,
                               err_msg=f"{minimal.name}: W1 after {STEPS} steps")


def test_the_reference_variant_skips_the_first_layers_input_gradient():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    reference = Reference(X, y, np.eye(C)[y], np.float32)
    returned = []
    for layer in reference.model.layers:
        def backward(dLdY, layer_backward=layer.backward):
            returned.append(layer_backward(dLdY))
            return returned[-1]
        layer.backward = backward
    reference.step(rng.permutation(N)[:BATCH])
    assert len(returned) == 2 and returned[1] is None, \
        f"the first layer's backward in the benchmark's reference step should return None: {returned[1:]!r}"
    assert isinstance(returned[0], np.ndarray), "the last layer's dX is still computed: the first layer needs it"
