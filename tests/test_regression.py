"""The regression part: MSELoss and L1Loss, the sine data set, ``train_ffnn.py --task sine``."""

import re

import numpy as np
import pytest

from autograder.paths import REPO_ROOT
from autograder.reference.datasets import SINE_SPLIT, Sine
from autograder.reference.grad_check import numeric_gradient, relative_error
from autograder.reference.losses import L1Loss, MSELoss, initialize_loss
from autograder.report import PASSED
from tests import kits
from tests.optional_parts import assert_all_pass, failures, section_checks
from tests.test_training import run_training

SECTION = "Regression losses"
MAE_BAR = 0.1
LAST_LINE = re.compile(r"test MAE: (\d+\.\d{3})")


@pytest.mark.parametrize("cls", [MSELoss, L1Loss], ids=lambda c: c.__name__)
@pytest.mark.parametrize("N,K", [(1, 1), (5, 1), (4, 3)])
def test_backward_matches_central_differences(cls, N, K):
    rng = np.random.default_rng(N * 10 + K)
    P, T = rng.normal(size=(N, K)), rng.normal(size=(N, K))
    T = np.where(np.abs(P - T) < 0.05, T + 0.1, T)          # off |d|'s kink
    loss = cls()
    loss.forward(P, T)
    dP = loss.backward()
    dP_num = numeric_gradient(lambda v: cls().forward(v, T), P.copy())
    assert relative_error(dP, dP_num) < 1e-7, f"{cls.__name__} {N}x{K}: {relative_error(dP, dP_num):.1e}"


def test_losses_are_means_over_every_entry():
    P, T = np.array([[1.0, 2.0], [3.0, 4.0], [0.0, -1.0]]), np.zeros((3, 2))
    assert MSELoss().forward(P, T) == pytest.approx((1 + 4 + 9 + 16 + 0 + 1) / 6), "MSE: mean of 6 squares"
    assert L1Loss().forward(P, T) == pytest.approx((1 + 2 + 3 + 4 + 0 + 1) / 6), "L1: mean of 6 |d|"


def test_l1_subgradient_is_zero_where_the_prediction_is_exact():
    P, T = np.array([[0.5, -1.0, 2.0]]), np.array([[0.5, 0.0, 3.0]])
    loss = L1Loss()
    assert loss.forward(P, T) == pytest.approx(2.0 / 3), "L1: (0 + 1 + 1) / 3"
    np.testing.assert_array_equal(loss.backward(), [[0.0, -1 / 3, -1 / 3]], err_msg="sign(d) / (N K), 0 at d = 0")


def test_the_losses_are_reachable_by_name():
    assert isinstance(initialize_loss("mse"), MSELoss) and isinstance(initialize_loss("l1"), L1Loss), "LOSSES"


def test_the_sine_data_is_seeded_and_is_sin_on_the_interval():
    data, again = Sine(), Sine()
    for name, n in SINE_SPLIT.items():
        split = getattr(data, name)
        x = Sine.points(split.X)
        assert split.X.shape == (n, 1) and split.Y.shape == (n, 1), f"{name}: {split}"
        assert np.all(np.abs(x) <= 5.0) and np.all(np.abs(split.X) <= 1.0), f"{name}: x outside [-5, 5]"
        np.testing.assert_allclose(split.Y[:, 0], np.sin(x), atol=1e-12, err_msg=f"{name}: Y = sin(x)")
        np.testing.assert_array_equal(split.X, getattr(again, name).X, err_msg=f"{name}: not the same twice")
    assert not np.array_equal(Sine(split_seed=1).train.X, data.train.X), "the split seed changes the samples"


def test_the_reference_passes_every_check(tmp_path):
    checks = section_checks(tmp_path, kits.reference_regions(), SECTION)
    assert len(checks) == 8 and all(c.status == PASSED for c in checks), failures(checks)


def test_an_l1_backward_built_with_where_is_correct(tmp_path):
    assert_all_pass(tmp_path, {"losses:L1Loss.backward": (
        "np.sign(diff) / diff.size", "np.where(diff > 0, 1.0, np.where(diff < 0, -1.0, 0.0)) / diff.size"),
        "losses:MSELoss.forward": ("np.mean(diff * diff)", "np.sum(np.square(diff)) / diff.size")}, SECTION)


def test_a_subgradient_of_one_at_zero_is_caught_by_the_exact_predictions(tmp_path):
    texts = kits.with_change("losses:L1Loss.backward", "np.sign(diff)", "np.where(diff >= 0, 1.0, -1.0)")
    checks = {c.name: c for c in section_checks(tmp_path, texts, SECTION)}
    assert checks["L1Loss backward at exact predictions (subgradient 0)"].status != PASSED, failures(checks.values())
    assert checks["L1Loss backward passes the numeric gradient check"].status == PASSED, \
        "off the kink, sign and where(d >= 0) agree: only the exact predictions tell them apart"


def mae_of(proc):
    lines = proc.stdout.splitlines()
    assert lines, f"train_ffnn.py --task sine printed nothing; stderr:\n{proc.stderr}"
    match = LAST_LINE.fullmatch(lines[-1])
    assert match, f"last line {lines[-1]!r} is not 'test MAE: d.ddd'"
    return float(match.group(1))


@pytest.mark.parametrize("loss", ["l1", "mse"])
def test_the_reference_fits_the_sine_below_the_bar(reference_kit, loss):
    proc = run_training(reference_kit, "--task", "sine", "--loss", loss, "--out", "runs")
    assert proc.returncode == 0, f"--loss {loss}: exit {proc.returncode}; stderr:\n{proc.stderr}"
    mae = mae_of(proc)
    assert mae < MAE_BAR, f"--loss {loss}: test MAE {mae:.3f} is not below {MAE_BAR}"
    written = sorted(p.name for p in (reference_kit / "runs").iterdir())
    assert written == [f"sine_{loss}_seed0.json", f"sine_{loss}_seed0.png"], f"runs/ holds {written}"
    assert (reference_kit / "runs" / f"sine_{loss}_seed0.png").read_bytes().startswith(b"\x89PNG"), "not a PNG"
    if loss == "l1":                # the default run, whose last line the docs quote
        for doc in ("train_ffnn.py", "README_STUDENT.md"):
            text = (REPO_ROOT / doc).read_text(encoding="utf-8")
            assert f"test MAE: {mae:.3f}" in text, f"{doc} quotes a stale figure: the run gives test MAE {mae:.3f}"


def test_the_stubs_stop_the_sine_with_one_line_naming_a_region(stub_kit):
    proc = run_training(stub_kit, "--task", "sine", "--out", "runs")
    output = (proc.stdout + proc.stderr).splitlines()
    assert proc.returncode == 1 and len(output) == 1, f"exit {proc.returncode}:\n{proc.stdout}{proc.stderr}"
    assert "fully_connected:FullyConnected" in output[0] and "Traceback" not in output[0], output[0]


@pytest.mark.parametrize("flags,words", [(["--task", "sine", "--sweep"], "--sweep is for --task iris"),
                                         (["--loss", "mse"], "--loss is for --task sine")])
def test_flags_of_the_other_task_are_refused_in_one_line(reference_kit, flags, words):
    proc = run_training(reference_kit, *flags)
    assert proc.returncode == 2 and words in proc.stderr, f"{flags}: exit {proc.returncode}; {proc.stderr}"
