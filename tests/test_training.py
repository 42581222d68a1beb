"""train_ffnn.py, run as a student runs it: in a kit folder, as a subprocess, importing hw1_student beside it."""

import re
import subprocess
import sys

import pytest

BAR = 0.933   # 28 of the 30 test flowers
LAST_LINE = re.compile(r"test accuracy: (\d\.\d{3})( \(the selected setting: lr=[\d.e-]+, hidden=\d+\))?")
SWEEP_ROWS = 5
COLUMNS = ["lr", "hidden", "final train loss", "last val accuracy", "last val loss", "best val accuracy",
           "test accuracy"]


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


def table_rows(table):
    """The rows of a sweep table as dicts of floats, checking the header."""
    rows = [line for line in table.splitlines() if line.startswith("|")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    assert header == COLUMNS, f"unexpected columns {header}"
    return [dict(zip(COLUMNS, (float(c) for c in row.strip("|").split("|")))) for row in rows[2:]]


def test_sweep_writes_a_table_the_curves_and_a_report_skeleton(reference_kit):
    proc = run_training(reference_kit, "--sweep", "--epochs", "3", "--out", "out")
    assert proc.returncode == 0, f"--sweep: exit {proc.returncode}; stderr:\n{proc.stderr}"
    accuracy = accuracy_of(proc)
    table = (reference_kit / "out" / "sweep.md").read_text(encoding="utf-8")
    rows = table_rows(table)
    assert len(rows) == SWEEP_ROWS, f"expected {SWEEP_ROWS} rows; got:\n{table}"
    for row in rows:
        assert row["final train loss"] > 0 and row["last val loss"] > 0, f"implausible row {row}"
        assert row["best val accuracy"] >= row["last val accuracy"], f"best val accuracy below the last in {row}"
    assert len({(r["lr"], r["hidden"]) for r in rows}) == SWEEP_ROWS, f"a setting repeats:\n{table}"
    keys = [(-r["last val accuracy"], r["last val loss"]) for r in rows]
    assert keys == sorted(keys), f"rows must be sorted by val accuracy, then val loss:\n{table}"
    assert "Sorted by the last epoch's validation accuracy, then its validation loss" in table, "the key is said"
    first = rows[0]
    assert proc.stdout.splitlines()[-1] == (f"test accuracy: {first['test accuracy']:.3f} (the selected setting: "
                                            f"lr={first['lr']:g}, hidden={first['hidden']:.0f})"), \
        f"the last line is the first row's test accuracy, and says so: {proc.stdout.splitlines()[-1]!r}"
    assert accuracy == first["test accuracy"], f"{accuracy} is not the selected setting's"
    pictures = sorted(p.name for p in (reference_kit / "out").glob("*.png"))
    assert len(pictures) == SWEEP_ROWS + 1 and "curves.png" in pictures, \
        f"a figure per setting and one of all: {pictures}"
    assert all((reference_kit / "out" / p).read_bytes().startswith(b"\x89PNG") for p in pictures), "not PNGs"
    report = (reference_kit / "report.md").read_text(encoding="utf-8")
    assert table in report and "![every setting](out/curves.png)" in report, f"report.md:\n{report}"
    explained = [line for line in report.splitlines() if line.startswith("- lr=")]
    assert len(explained) == SWEEP_ROWS and all("<your explanation" in line for line in explained), \
        f"one line per setting for the student's explanation:\n{report}"


def test_a_second_sweep_never_overwrites_report_md(reference_kit):
    (reference_kit / "report.md").write_text("# 我的报告\n", encoding="utf-8")
    (reference_kit / "settings.txt").write_text("lr=0.1,hidden=8\nhidden=4\n", encoding="utf-8")
    proc = run_training(reference_kit, "--sweep", "@settings.txt", "lr=0.2, hidden=16", "--epochs", "2")
    assert proc.returncode == 0, f"exit {proc.returncode}; stderr:\n{proc.stderr}"
    assert (reference_kit / "report.md").read_text(encoding="utf-8") == "# 我的报告\n", "report.md was overwritten"
    assert "report.md is there already, left as it is" in proc.stdout, f"stdout:\n{proc.stdout}"
    rows = table_rows((reference_kit / "runs" / "sweep.md").read_text(encoding="utf-8"))
    assert sorted((r["lr"], r["hidden"]) for r in rows) == [(0.05, 4), (0.1, 8), (0.2, 16)], \
        f"the settings of the file and the command line: {rows}"


@pytest.mark.parametrize("flags, words", [
    (["--sweep", "--lr", "0.1"], "--lr does nothing in a sweep"),
    (["--sweep", "lr=0.1", "--hidden", "8"], "--hidden does nothing in a sweep"),
    (["--sweep", "lr=0.1,depth=3"], "is not a setting like lr=0.1,hidden=16"),
    (["--sweep", "lr=-1"], "is not a setting like lr=0.1,hidden=16"),
    (["--sweep", "@no_such_file.txt"], "no_such_file.txt"),
])
def test_what_a_sweep_cannot_use_is_an_error(reference_kit, flags, words):
    proc = run_training(reference_kit, *flags)
    assert proc.returncode == 2 and words in proc.stderr, f"{flags}: exit {proc.returncode}; {proc.stderr}"
    assert not (reference_kit / "runs").exists(), f"{flags}: nothing may be trained"


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
