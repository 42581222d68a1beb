"""``make demo``: the bundled examples grade to their known scores, and every output is written."""

import io
import json

from rich.console import Console

from autograder.demo import run_demo

# What each example is meant to show, and the score that follows from the rubric.
EXPECTED = {
    "Alex_Chen": 8.0,     # a SoftMax that never returns: that section times out, nothing else is lost
    "张伟": 5.5,          # ReLU and FullyConnected only, with a Python loop in FullyConnected.forward
    "李华": 10.0,         # complete and correct
    # ReLU mask >= 0 (a note: 0), softmax without the max shift (-0.25), db not summed (dW's check and the
    # numeric one: -1), loss summed (the forward and the vectorised check it gates: -0.375)
    "王芳": 8.375,
}


def test_demo_grades_every_example_to_its_known_score(tmp_path):
    console = Console(file=io.StringIO(), width=120)
    reports = run_demo(out_dir=tmp_path, console=console, lang="en", timeout=1.0)     # Alex Chen's wait
    scores = {r.student_name: r.score for r in reports}
    assert scores == EXPECTED, f"example scores drifted: {scores}"
    for report in reports:
        folder = tmp_path / report.student_id
        results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        assert results["score"] == EXPECTED[report.student_name], f"{folder.name}: results.json score"
        assert (folder / "feedback.md").read_text(encoding="utf-8").strip(), f"{folder.name}: empty feedback"
    gradebook = (tmp_path / "gradebook.csv").read_text(encoding="utf-8-sig")
    assert all(name in gradebook for name in EXPECTED), f"one gradebook row per example:\n{gradebook}"
    assert (tmp_path / "summary.md").is_file(), "the class summary is written"
    printed = console.file.getvalue()
    assert "timed out after 1 s" in printed, "the demo shows a section that timed out"
    assert "8.375 / 10" in printed, "totals are printed with every decimal"
