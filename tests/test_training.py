"""train_ffnn.py, run as a student runs it: in a kit folder, as a subprocess, importing hw1_student beside it."""

import re
import subprocess
import sys

import pytest

BAR = 0.933   # 28 of the 30 test flowers
LAST_LINE = re.compile(r"test accuracy: (\d\.\d{3})")
SWEEP_ROWS = 5


def run_training(kit, *flags):
    """Run ``train_ffnn.py`` with ``flags`` in ``kit``; return the CompletedProcess (text, both streams)."""
    # The timeout only stops a hang from blocking the suite; nothing here measures speed.
    return subprocess.run([sys.executable, "train_ffnn.py", *flags], cwd=kit, capture_output=True,
                          text=True, timeout=600)


def accuracy_of(proc):
    """The accuracy on the last stdout line, which must read exactly ``test accuracy: 0.967``."""
    lines = proc.stdout.splitlines()
    assert lines, f"train_ffnn.py printed nothing; stderr:\n{proc.stderr}"
    match = LAST_LINE.fullmatch(lines[-1])
    assert match, f"last line {lines[-1]!r} is not 'test accuracy: 0.ddd'"
    return float(match.group(1))


@pytest.mark.parametrize("seed", range(5))
def test_default_flags_reach_the_bar_on_the_reference(reference_kit, seed):
    proc = run_training(reference_kit, "--seed", str(seed), "--out", "runs")
    assert proc.returncode == 0, f"seed {seed}: exit {proc.returncode}; stderr:\n{proc.stderr}"
    accuracy = accuracy_of(proc)
    assert "\x1b" not in proc.stdout + proc.stderr, \
        f"seed {seed}: terminal control codes off a terminal:\n{proc.stdout!r}"
    assert accuracy >= BAR, f"seed {seed}: test accuracy {accuracy:.3f} is below the bar {BAR}"
    written = sorted(p.name for p in (reference_kit / "runs").iterdir())
    expected = [f"lr0.05_h16_seed{seed}.json", f"lr0.05_h16_seed{seed}.png"]
    assert written == expected, f"seed {seed}: runs/ holds {written}, expected {expected}"


def test_sweep_writes_a_table_and_the_curves(reference_kit):
    proc = run_training(reference_kit, "--sweep", "--epochs", "3", "--out", "out")
    assert proc.returncode == 0, f"--sweep: exit {proc.returncode}; stderr:\n{proc.stderr}"
    accuracy_of(proc)
    table = (reference_kit / "out" / "sweep.md").read_text(encoding="utf-8")
    rows = [line for line in table.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + SWEEP_ROWS, f"expected a header, a rule and {SWEEP_ROWS} rows; got:\n{table}"
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    assert header == ["lr", "hidden", "final train loss", "best val accuracy", "last val accuracy",
                      "test accuracy"], f"unexpected columns {header}"
    settings = set()
    for row in rows[2:]:
        lr, hidden, loss, best_val, last_val, test = (float(c) for c in row.strip("|").split("|"))
        settings.add((lr, hidden))
        assert loss > 0 and all(0 <= a <= 1 for a in (best_val, last_val, test)), f"implausible row {row!r}"
        assert best_val >= last_val, f"best val accuracy below the last one in {row!r}"
    assert len(settings) == SWEEP_ROWS, f"the sweep repeats a (lr, hidden) setting:\n{table}"
    png = (reference_kit / "out" / "curves.png").read_bytes()
    assert png.startswith(b"\x89PNG"), "out/curves.png is not a PNG"


def test_stubs_stop_with_one_line_naming_the_first_region(stub_kit):
    proc = run_training(stub_kit, "--out", "runs")
    output = (proc.stdout + proc.stderr).splitlines()
    assert proc.returncode == 1, f"exit {proc.returncode}, expected 1; output:\n{proc.stdout}{proc.stderr}"
    assert len(output) == 1, f"expected one line, got {len(output)}:\n{proc.stdout}{proc.stderr}"
    assert "Traceback" not in output[0], f"a traceback on the stubs: {output[0]}"
    assert "activations:ReLU.forward" in output[0] and "hw1_student/activations.py" in output[0], \
        f"the line does not name the first region and its file: {output[0]!r}"


def test_a_diverging_run_ends_with_one_clear_line(reference_kit):
    proc = run_training(reference_kit, "--lr", "50", "--momentum", "0.99", "--out", "runs")
    assert proc.returncode == 1, f"exit {proc.returncode}, expected 1; stdout:\n{proc.stdout}"
    last = proc.stderr.splitlines()[-1]
    assert re.fullmatch(r"train_ffnn: the training loss became (nan|inf) in epoch \d+; .*lower --lr", last), \
        f"unexpected last line {last!r}"
    assert "Traceback" not in proc.stderr, f"a traceback on a diverging run:\n{proc.stderr}"
