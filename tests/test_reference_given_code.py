"""The code students are given, not asked to write: optimisers, initialisers, the logger.

Each is checked against the formula in its docstring, on seeded inputs.
"""

from collections import OrderedDict

import numpy as np
import pytest

from autograder.reference.initializations import GAINS, initialize_weights
from autograder.reference.logs import Logger
from autograder.reference.optimizers import SGD, Adam, initialize_optimizer


class _Layer:
    """Just what an optimiser touches: ``parameters`` and ``gradients``."""

    def __init__(self, W, dW):
        self.parameters = OrderedDict({"W": W.copy()})
        self.gradients = OrderedDict({"W": dW.copy()})


def test_sgd_with_momentum_follows_v_equals_m_v_plus_g():
    rng = np.random.default_rng(0)
    W, g1, g2 = rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    layer, sgd = _Layer(W, g1), SGD(lr=0.1, momentum=0.9)
    sgd.step([layer])
    np.testing.assert_allclose(layer.parameters["W"], W - 0.1 * g1, rtol=1e-12, err_msg="first step: lr * g")
    layer.gradients["W"] = g2
    sgd.step([layer])
    expected = W - 0.1 * g1 - 0.1 * (0.9 * g1 + g2)
    np.testing.assert_allclose(layer.parameters["W"], expected, rtol=1e-12, err_msg="second step: m v + g")


def test_sgd_clips_a_gradient_to_its_norm_and_leaves_a_small_one():
    big, small = np.full((2, 2), 3.0), np.full((2, 2), 0.1)        # norms 6 and 0.2
    for grad, expected_step in ((big, big * (1.0 / 6.0)), (small, small)):
        layer = _Layer(np.zeros((2, 2)), grad)
        SGD(lr=1.0, momentum=0.0, clip_norm=1.0).step([layer])
        np.testing.assert_allclose(-layer.parameters["W"], expected_step, rtol=1e-12,
                                   err_msg=f"clip_norm=1 on a gradient of norm {np.linalg.norm(grad)}")


def test_adam_first_step_is_lr_times_the_sign_of_the_gradient():
    rng = np.random.default_rng(1)
    W, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    layer = _Layer(W, g)
    Adam(lr=0.01).step([layer])
    # With bias correction, m_hat = g and v_hat = g^2 after one step: the step is lr * g / (|g| + eps).
    np.testing.assert_allclose(layer.parameters["W"], W - 0.01 * np.sign(g), rtol=1e-6,
                               err_msg="Adam's first step")


def test_unknown_optimizer_and_bad_learning_rate_are_clear_errors():
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        initialize_optimizer("rmsprop")
    with pytest.raises(ValueError, match="learning rate must be positive"):
        SGD(lr=0.0)


@pytest.mark.parametrize("activation", sorted(GAINS))
@pytest.mark.parametrize("name,bound", [
    ("xavier_uniform", lambda gain, d, h: gain * np.sqrt(6.0 / (d + h))),
    ("he_uniform", lambda gain, d, h: gain * np.sqrt(3.0 / d)),
])
def test_uniform_initialisers_stay_within_their_bound_and_reach_it(name, bound, activation):
    W = initialize_weights(name, activation, rng=np.random.default_rng(2))((400, 300))
    a = bound(GAINS[activation], 400, 300)
    assert W.shape == (400, 300), f"{name}: shape {W.shape}"
    assert np.abs(W).max() <= a, f"{name}/{activation}: |W| reaches {np.abs(W).max()} > bound {a}"
    assert np.abs(W).max() > 0.99 * a, f"{name}/{activation}: |W| tops out at {np.abs(W).max()}, bound {a}"


@pytest.mark.parametrize("activation", ["relu", "tanh", "identity"])
@pytest.mark.parametrize("name,std", [
    ("xavier_normal", lambda gain, d, h: gain * np.sqrt(2.0 / (d + h))),
    ("he_normal", lambda gain, d, h: gain / np.sqrt(d)),
])
def test_normal_initialisers_have_their_standard_deviation(name, std, activation):
    W = initialize_weights(name, activation, rng=np.random.default_rng(3))((500, 400))
    expected = std(GAINS[activation], 500, 400)
    assert abs(W.std() / expected - 1) < 0.01, f"{name}/{activation}: std {W.std():.5f}, expected {expected:.5f}"


def test_initialisers_repeat_under_a_seed_and_reject_unknown_names():
    a = initialize_weights("he_normal", "relu", rng=np.random.default_rng(4))((3, 2))
    b = initialize_weights("he_normal", "relu", rng=np.random.default_rng(4))((3, 2))
    np.testing.assert_array_equal(a, b, err_msg="the same seed gives the same weights")
    with pytest.raises(ValueError, match="unknown weight initialisation 'glorot'"):
        initialize_weights("glorot")


def test_logger_keeps_one_row_per_epoch_and_refuses_a_changed_set_of_metrics(tmp_path):
    log = Logger()
    log.log(epoch=1, train_loss=0.9, val_accuracy=0.6)
    log.log(epoch=2, train_loss=0.5, val_accuracy=0.8)
    assert len(log) == 2 and log.last("train_loss") == 0.5, f"history: {log.history}"
    with pytest.raises(ValueError, match="epoch 3 logs"):
        log.log(epoch=3, train_loss=0.4)
    log.save(tmp_path / "history.json")
    assert '"val_accuracy": [\n  0.6,\n  0.8\n ]' in (tmp_path / "history.json").read_text(), "saved as JSON"


def test_a_broken_iris_csv_names_its_file_and_line(tmp_path):
    from autograder.reference.datasets import read_iris
    bad = tmp_path / "iris.csv"
    bad.write_text("sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n"
                   "4.9,3.0,oops,0.2,setosa\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"{tmp_path / 'iris.csv'}:3: a measurement is not a number"):
        read_iris(bad)
    bad.write_text("a,b,c,d,species\n5.1,3.5,1.4,setosa\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"iris.csv:2: 4 fields; the header has 5"):
        read_iris(bad)
