"""The reference solution against central differences (float64), and the Iris data it trains on.

Every backward pass is compared with ``grad_check.numeric_gradient`` of its own forward pass, on several
random shapes (N = 1 included) and seeds.
"""

import numpy as np
import pytest

from autograder.reference.activations import Identity, ReLU, Sigmoid, SoftMax, TanH
from autograder.reference.datasets import SPLIT_PER_CLASS, Iris
from autograder.reference.fully_connected import FullyConnected
from autograder.reference.grad_check import numeric_gradient, relative_error
from autograder.reference.losses import CrossEntropyLoss
from autograder.reference.models import initialize_model

TOL = 1e-7
SEEDS = [0, 1, 2]


def assert_gradient(analytic, numeric, what):
    """The backward's gradient matches the numeric one, in shape and to a relative error below TOL."""
    assert analytic.shape == numeric.shape, f"{what}: shape {analytic.shape}, expected {numeric.shape}"
    error = relative_error(analytic, numeric)
    assert error < TOL, f"{what}: relative error {error:.1e} (above {TOL:.0e})"


def away_from_zero(rng, shape):
    """Entries with 0.1 <= |z| <= 2: a step of 1e-6 never crosses ReLU's kink."""
    return rng.uniform(0.1, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (3, 4), (8, 2)])
@pytest.mark.parametrize("activation", [Identity, ReLU, Sigmoid, TanH])
def test_elementwise_activation(activation, shape, seed):
    rng = np.random.default_rng(seed)
    Z, dY = away_from_zero(rng, shape), rng.normal(size=shape)
    layer = activation()
    layer.forward(Z)
    dZ = layer.backward(dY)
    assert_gradient(dZ, numeric_gradient(layer.forward, Z, dY), f"{activation.__name__} {shape} seed {seed}")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", [(1, 3), (4, 2), (6, 5)])
def test_softmax(shape, seed):
    rng = np.random.default_rng(seed)
    Z, dY = rng.normal(scale=3.0, size=shape), rng.normal(size=shape)
    softmax = SoftMax()
    softmax.forward(Z)
    dZ = softmax.backward(dY)
    assert_gradient(dZ, numeric_gradient(softmax.forward, Z, dY), f"SoftMax {shape} seed {seed}")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("N, D, H", [(1, 1, 1), (1, 4, 3), (5, 3, 4), (8, 6, 2)])
@pytest.mark.parametrize("activation", ["identity", "relu", "sigmoid", "tanh", "softmax"])
def test_fully_connected(activation, N, D, H, seed):
    rng = np.random.default_rng(seed)
    X, dY = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    layer = FullyConnected(H, activation, rng=rng)
    layer.forward(X)
    W, b = layer.parameters["W"], layer.parameters["b"]
    b[...] = rng.normal(size=b.shape)        # a zero bias would hide a bias gradient that is not summed
    layer.forward(X)
    dX = layer.backward(dY)
    what = f"FullyConnected({H}, {activation}) on ({N}, {D}), seed {seed}"
    assert_gradient(dX, numeric_gradient(layer.forward, X, dY), f"{what}: dX")
    assert_gradient(layer.gradients["W"], numeric_gradient(lambda _: layer.forward(X), W, dY), f"{what}: dW")
    assert_gradient(layer.gradients["b"], numeric_gradient(lambda _: layer.forward(X), b, dY), f"{what}: db")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("N, C", [(1, 3), (5, 3), (8, 4)])
def test_cross_entropy(N, C, seed):
    rng = np.random.default_rng(seed)
    logits, Y = rng.normal(scale=3.0, size=(N, C)), np.eye(C)[rng.integers(0, C, size=N)]
    loss = CrossEntropyLoss()
    loss.forward(logits, Y)
    dlogits = loss.backward()
    numeric = numeric_gradient(lambda z: loss.forward(z, Y), logits)
    assert_gradient(dlogits, numeric, f"CrossEntropy ({N}, {C}) seed {seed}: dlogits")


def test_cross_entropy_is_finite_for_huge_logits():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]])
    Y = np.eye(3)[[1, 1]]     # row 0 puts its target 2000 below the top logit, row 1 gets it right
    loss = CrossEntropyLoss()
    value = loss.forward(logits, Y)
    dlogits = loss.backward()
    assert np.isfinite(value) and np.all(np.isfinite(dlogits)), f"loss {value}, dlogits {dlogits}"
    np.testing.assert_allclose(value, 1000.0, rtol=1e-12, err_msg="mean of the losses 2000 and 0")
    np.testing.assert_allclose(dlogits, [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-12,
                               err_msg="(softmax - Y) / N for saturated logits")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("N", [1, 6])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_two_layer_model_parameter_vector(activation, N, seed):
    """The loss's numeric gradient with respect to all W and b, flattened into one vector."""
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(N, 4)), np.eye(3)[rng.integers(0, 3, size=N)]
    model = initialize_model(n_classes=3, hidden=5, activation=activation, seed=seed)
    model.forward(X)
    params = [p for layer in model.layers for p in layer.parameters.values()]

    def loss_of(theta):
        start = 0
        for p in params:
            p[...] = theta[start:start + p.size].reshape(p.shape)
            start += p.size
        return model.loss.forward(model.forward(X), Y)

    theta = rng.normal(scale=0.5, size=sum(p.size for p in params))
    loss_of(theta)
    model.backward(model.loss.backward())
    grad = np.concatenate([layer.gradients[k].ravel() for layer in model.layers for k in layer.parameters])
    assert_gradient(grad, numeric_gradient(loss_of, theta), f"two-layer {activation}, N={N}, seed {seed}")


@pytest.fixture(scope="module")
def iris():
    return Iris()


def test_split_is_stratified(iris):
    for name, per_class in SPLIT_PER_CLASS.items():
        split = getattr(iris, name)
        counts = np.bincount(split.y, minlength=3)
        assert counts.tolist() == [per_class] * 3, f"{name}: {counts.tolist()} per class, expected {per_class} each"
        assert split.X.shape == (3 * per_class, 4) and split.Y.shape == (3 * per_class, 3), f"{name}: {split!r}"
        np.testing.assert_array_equal(split.Y.argmax(axis=1), split.y, err_msg=f"{name}: Y is not one-hot of y")
    assert (len(iris.train), len(iris.validate), len(iris.test)) == (105, 15, 30), f"{iris!r}"


def test_features_standardised_with_the_training_statistics(iris):
    np.testing.assert_allclose(iris.train.X.mean(axis=0), 0.0, atol=1e-12, err_msg="train mean")
    np.testing.assert_allclose(iris.train.X.std(axis=0), 1.0, rtol=1e-12, err_msg="train std")
    # The test split reuses the training statistics, so its own mean is not exactly zero.
    assert np.abs(iris.test.X.mean(axis=0)).max() > 1e-3, "the test split looks standardised with its own mean"


def test_batches_cover_every_sample_once_and_reshuffle(iris):
    rng = np.random.default_rng(0)
    epochs = [list(iris.train.batches(16, rng)) for _ in range(2)]
    for i, batches in enumerate(epochs):
        sizes = [len(X) for X, _ in batches]
        assert sizes == [16] * 6 + [9], f"epoch {i}: batch sizes {sizes}"
        rows = np.concatenate([np.hstack([X, Y]) for X, Y in batches])
        expected = np.hstack([iris.train.X, iris.train.Y])
        np.testing.assert_array_equal(np.unique(rows, axis=0, return_counts=True)[1],
                                      np.unique(expected, axis=0, return_counts=True)[1],
                                      err_msg=f"epoch {i}: some sample is missing or repeated")
        np.testing.assert_array_equal(np.unique(rows, axis=0), np.unique(expected, axis=0),
                                      err_msg=f"epoch {i}: the batches hold other samples")
    first, second = (np.concatenate([X for X, _ in b]) for b in epochs)
    assert not np.array_equal(first, second), "two epochs gave the same order: no reshuffle"


def test_accuracy_counts_samples(iris):
    model = initialize_model(hidden=8, seed=0, lr=0.05)
    rng = np.random.default_rng(0)
    for X, Y in iris.train.batches(16, rng):
        model.train_step(X, Y)
    _, accuracy = model.evaluate(iris.test.X, iris.test.Y)
    correct = int(np.sum(model.predict(iris.test.X) == iris.test.y))
    assert accuracy == correct / len(iris.test), f"accuracy {accuracy}, but {correct} of {len(iris.test)} correct"
