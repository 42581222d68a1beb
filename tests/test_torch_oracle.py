"""An independent oracle: every reference layer's and loss's gradients against ``torch.autograd``.

The central-difference checks elsewhere compare a backward with its OWN forward, so a forward and a
backward that are wrong together would pass them; PyTorch computes both independently. Everything runs in
float64 on the same inputs. PyTorch is an optional test dependency (``pip install torch==2.13.0``, a CPU
build is enough, or the ``oracle`` extra); without it this file is skipped, saying why.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed: the torch.autograd oracle is optional "
                                            "(pip install torch==2.13.0; a CPU build is enough)")
F = torch.nn.functional

from autograder.reference.activations import Identity, ReLU, Sigmoid, SoftMax, TanH  # noqa: E402
from autograder.reference.computational_graph import AddLayer, MulLayer, buy_apples_and_oranges  # noqa: E402
from autograder.reference.fully_connected import FullyConnected  # noqa: E402
from autograder.reference.losses import CrossEntropyLoss, L1Loss, MSELoss  # noqa: E402
from autograder.reference.models import NeuralNetwork  # noqa: E402
from autograder.reference.regularization import l2_gradient, l2_penalty  # noqa: E402

RTOL = 1e-10
SEEDS = [0, 1, 2]
TORCH_ACTIVATIONS = {Identity: lambda z: z, ReLU: torch.relu, Sigmoid: torch.sigmoid, TanH: torch.tanh,
                     SoftMax: lambda z: torch.softmax(z, dim=1)}
BY_NAME = {"identity": Identity, "relu": ReLU, "sigmoid": Sigmoid, "tanh": TanH}


def leaf(array):
    """A float64 torch tensor that records its gradient."""
    return torch.tensor(array, dtype=torch.float64, requires_grad=True)


def close(ours, theirs, what):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-12, err_msg=f"{what}: the reference vs torch")


def off_kink(rng, shape):
    """Entries with 0.1 <= |z| <= 2: ReLU's derivative is defined the same way on both sides."""
    return rng.uniform(0.1, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cls", list(TORCH_ACTIVATIONS), ids=lambda c: c.__name__)
def test_activations(cls, seed):
    rng = np.random.default_rng(seed)
    Z, dY = off_kink(rng, (5, 4)), rng.normal(size=(5, 4))
    act = cls()
    Y = act.forward(Z.copy())
    dZ = act.backward(dY.copy())
    Zt = leaf(Z)
    Yt = TORCH_ACTIVATIONS[cls](Zt)
    Yt.backward(torch.tensor(dY))
    close(Y, Yt, f"{cls.__name__} forward")
    close(dZ, Zt.grad, f"{cls.__name__} backward")


def test_relu_at_the_kink_takes_torchs_subgradient_0():
    Z = np.array([[0.0, -0.0, 1.0, -1.0]])
    relu = ReLU()
    relu.forward(Z)
    Zt = leaf(Z)
    torch.relu(Zt).sum().backward()
    close(relu.backward(np.ones_like(Z)), Zt.grad, "ReLU backward at 0")


def _fc(activation, W, b):
    layer = FullyConnected(W.shape[1], activation)
    layer.forward(np.zeros((1, W.shape[0])))            # sizes the layer; then the test's parameters
    layer.parameters["W"], layer.parameters["b"] = W.copy(), b.copy()
    return layer


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("activation", list(BY_NAME))
def test_fully_connected(activation, seed):
    rng = np.random.default_rng(seed)
    X, W, b, dY = rng.normal(size=(6, 4)), rng.normal(size=(4, 3)), rng.normal(size=(1, 3)), rng.normal(size=(6, 3))
    if activation == "relu":
        X = off_kink(rng, (6, 4))
    layer = _fc(activation, W, b)
    Y = layer.forward(X.copy())
    dX = layer.backward(dY.copy())
    Xt, Wt, bt = leaf(X), leaf(W), leaf(b)
    Yt = TORCH_ACTIVATIONS[BY_NAME[activation]](Xt @ Wt + bt)
    Yt.backward(torch.tensor(dY))
    close(Y, Yt, f"FullyConnected({activation}) forward")
    for name, ours, theirs in (("dX", dX, Xt.grad), ("dW", layer.gradients["W"], Wt.grad),
                               ("db", layer.gradients["b"], bt.grad)):
        close(ours, theirs, f"FullyConnected({activation}) {name}")


@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy(seed):
    rng = np.random.default_rng(seed)
    logits, Y = rng.normal(scale=3.0, size=(7, 4)), np.eye(4)[rng.integers(0, 4, size=7)]
    loss = CrossEntropyLoss()
    value = loss.forward(logits.copy(), Y)
    Lt = leaf(logits)
    theirs = F.cross_entropy(Lt, torch.tensor(Y))      # probabilities as targets; mean over the batch
    theirs.backward()
    close(value, theirs, "CrossEntropyLoss forward")
    close(loss.backward(), Lt.grad, "CrossEntropyLoss backward")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cls,torch_loss", [(MSELoss, F.mse_loss), (L1Loss, F.l1_loss)], ids=["mse", "l1"])
def test_regression_losses(cls, torch_loss, seed):
    rng = np.random.default_rng(seed)
    P, T = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    T[0, :2] = P[0, :2]                                   # exact predictions: torch's subgradient there too
    loss = cls()
    value = loss.forward(P.copy(), T)
    Pt = leaf(P)
    theirs = torch_loss(Pt, torch.tensor(T))             # reduction="mean": over every entry
    theirs.backward()
    close(value, theirs, f"{cls.__name__} forward")
    close(loss.backward(), Pt.grad, f"{cls.__name__} backward")


@pytest.mark.parametrize("seed", SEEDS)
def test_l2_penalty_and_gradient(seed):
    rng = np.random.default_rng(seed)
    weights, lam = [rng.normal(size=(4, 5)), rng.normal(size=(5, 3))], 0.07
    leaves = [leaf(W) for W in weights]
    theirs = lam * sum((Wt ** 2).sum() for Wt in leaves)
    theirs.backward()
    close(l2_penalty(weights, lam), theirs, "l2_penalty")
    for i, (dW, Wt) in enumerate(zip(l2_gradient(weights, lam), leaves), start=1):
        close(dW, Wt.grad, f"l2_gradient W{i}")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_the_two_layer_model_end_to_end(weight_decay, seed):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(6, 4)), np.eye(3)[rng.integers(0, 3, size=6)]
    W1, b1, W2, b2 = (rng.normal(size=shape) for shape in ((4, 5), (1, 5), (5, 3), (1, 3)))
    net = NeuralNetwork([_fc("tanh", W1, b1), _fc("identity", W2, b2)], "cross_entropy", weight_decay=weight_decay)
    loss = net.loss_and_gradients(X, Y)
    leaves = [leaf(a) for a in (W1, b1, W2, b2)]
    W1t, b1t, W2t, b2t = leaves
    logits = torch.tanh(torch.tensor(X) @ W1t + b1t) @ W2t + b2t
    theirs = F.cross_entropy(logits, torch.tensor(Y)) + weight_decay * ((W1t ** 2).sum() + (W2t ** 2).sum())
    theirs.backward()
    close(loss, theirs, "the network's loss")
    ours = [net.layers[0].gradients["W"], net.layers[0].gradients["b"], net.layers[1].gradients["W"],
            net.layers[1].gradients["b"]]
    for name, g, t in zip(("dW1", "db1", "dW2", "db2"), ours, leaves):
        close(g, t.grad, f"the network's {name} (weight_decay {weight_decay})")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cls,op", [(MulLayer, torch.mul), (AddLayer, torch.add)], ids=["mul", "add"])
def test_graph_nodes(cls, op, seed):
    rng = np.random.default_rng(seed)
    x, y, dout = (rng.normal(size=(3, 4)) for _ in range(3))
    node = cls()
    out = node.forward(x.copy(), y.copy())
    dx, dy = node.backward(dout.copy())
    xt, yt = leaf(x), leaf(y)
    outt = op(xt, yt)
    outt.backward(torch.tensor(dout))
    close(out, outt, f"{cls.__name__} forward")
    close(dx, xt.grad, f"{cls.__name__} dx")
    close(dy, yt.grad, f"{cls.__name__} dy")


def test_the_shopping_example():
    inputs = {"apple": 100.0, "apple_num": 2.0, "orange": 150.0, "orange_num": 3.0, "tax": 1.1}
    price, grads = buy_apples_and_oranges(**inputs)
    t = {name: leaf(value) for name, value in inputs.items()}
    theirs = (t["apple"] * t["apple_num"] + t["orange"] * t["orange_num"]) * t["tax"]
    theirs.backward()
    close(price, theirs, "the price")
    for name in inputs:
        close(grads[name], t[name].grad, f"d price / d {name}")


def _frobenius_by_the_reference(X, W, Y):
    """``f = ||max(XW, 0) - Y||_F^2`` and its gradients, composed of the reference's pieces: a ReLU layer
    with a zero bias gives max(XW, 0); MSELoss is f / (N K), so f's gradients are N K times its own."""
    layer = _fc("relu", W, np.zeros((1, W.shape[1])))
    mse = MSELoss()
    scale = Y.size
    f = scale * mse.forward(layer.forward(X.copy()), Y)
    dP = scale * mse.backward()                          # df / d max(XW, 0)
    dX = layer.backward(dP)
    return f, dX, layer.gradients["W"], -dP              # d/dY (P - Y)^2 = -d/dP


def _frobenius_closed_form(X, W, Y):
    """With R = max(XW, 0) - Y and M = [XW > 0]: df/dX = 2 (R * M) W^T, df/dW = 2 X^T (R * M), df/dY = -2 R."""
    Z = X @ W
    R = np.maximum(Z, 0.0) - Y
    G = 2.0 * R * (Z > 0)
    return float(np.sum(R ** 2)), G @ W.T, X.T @ G, -2.0 * R


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("N,D,K", [(1, 3, 2), (6, 4, 3), (10, 2, 5)])
def test_the_matrix_calculus_exercise(N, D, K, seed):
    rng = np.random.default_rng(seed)
    X, W, Y = rng.normal(size=(N, D)), rng.normal(size=(D, K)), rng.normal(size=(N, K))
    Xt, Wt, Yt = leaf(X), leaf(W), leaf(Y)
    theirs = ((torch.relu(Xt @ Wt) - Yt) ** 2).sum()
    theirs.backward()
    for how, (f, dX, dW, dY) in (("composed of the reference's layers", _frobenius_by_the_reference(X, W, Y)),
                                 ("the closed form", _frobenius_closed_form(X, W, Y))):
        close(f, theirs, f"f, {how}")
        close(dX, Xt.grad, f"df/dX, {how}")
        close(dW, Wt.grad, f"df/dW, {how}")
        close(dY, Yt.grad, f"df/dY, {how}")
