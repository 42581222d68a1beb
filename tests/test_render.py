"""The renderers: pure functions of a GradeReport, safe with whatever text a student's code produced."""

import dataclasses
import io
import json
import math
import os
import re

import pytest
from rich.console import Console

from autograder.render import (render_feedback, render_terminal, to_results_json, write_feedback,
                               write_results_json)
from autograder.render.text import markdown
from autograder.report import ERROR, FAILED, NOT_IMPLEMENTED, PASSED, CheckResult, GradeReport, SectionResult
from autograder.sandbox.outcome import SIGNAL, TIMED_OUT, Ending

SECTIONS = ("ReLU", "FullyConnected", "SoftMax", "CrossEntropy", "Model", "Sigmoid")
REASON = "expected dZ of shape 4 by 3 with 5 zeros, got 0 zeros"
DIAGNOSIS = "the ReLU mask is taken from the output, not the input"
HOSTILE = "[bold red]boom[/bold red] \x1b[2J <img src=x onerror=alert(1)> | col ** _x_ `y`\nsecond line"
TIMED_OUT_10 = Ending(TIMED_OUT, seconds=10.0)


def check(section, name, points, max_points, status, reason="", diagnosis=None):
    return CheckResult(section, name, points, max_points, status, reason, diagnosis)


def make_report(hostile=HOSTILE, execution_time=0.42):
    relu = SectionResult("ReLU", 2.0, (
        check("ReLU", "forward on random inputs", 0.5, 0.5, PASSED),
        check("ReLU", "backward matches the reference", 0.0, 1.0, FAILED, REASON, DIAGNOSIS),
        check("ReLU", "no Python loops", 0.5, 0.5, PASSED),
    ))
    softmax = SectionResult("SoftMax", 2.0, (
        check("SoftMax", "forward on large logits", 0.0, 1.0, ERROR, f"raised ValueError: {hostile}"),
        check("SoftMax", "backward", 0.0, 1.0, TIMED_OUT_10),
    ), child=TIMED_OUT_10)
    loss = SectionResult("CrossEntropy", 1.0, (
        check("CrossEntropy", "forward", 0.0, 0.5, NOT_IMPLEMENTED, "not implemented"),
        check("CrossEntropy", "backward", 0.0, 0.5, NOT_IMPLEMENTED, "not implemented"),
    ))
    sigmoid = SectionResult("Sigmoid", 0.0, (check("Sigmoid", "forward", 0.0, 0.0, PASSED),))
    return GradeReport("uploads/张三_2024123456_hw1_student.zip", (relu, softmax, loss, sigmoid),
                       notices=("activations.py: changed outside the YOUR CODE regions; only the regions are graded",
                                f"hw1_student/{hostile}.py: 1 file ignored"),
                       student_name="张三", student_id="2024123456", execution_time=execution_time)


def full_marks():
    relu = SectionResult("ReLU", 2.0, (check("ReLU", "forward", 1.0, 1.0, PASSED),
                                       check("ReLU", "backward", 1.0, 1.0, PASSED)))
    return GradeReport("hw1_student", (relu,))


# --- results.json -------------------------------------------------------------------------------------

def test_results_json_follows_the_gradescope_schema():
    results = to_results_json(make_report())
    for key, kind in (("score", (int, float)), ("max_score", (int, float)), ("execution_time", (int, float)),
                      ("output", str), ("visibility", str), ("tests", list)):
        assert isinstance(results.get(key), kind), f"results.json needs {key!r} of type {kind}"
    assert results["visibility"] == "visible", "results are visible to the student"
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}, f"test keys: {test}"
        assert test["status"] in ("passed", "failed"), f"Gradescope knows passed/failed only: {test}"
        assert test["visibility"] == "visible", f"each test is visible: {test}"
        assert isinstance(test["output"], str) and "\n" not in test["output"], f"one-line output: {test}"
    json.loads(json.dumps(results, allow_nan=False))


def test_every_test_name_starts_with_its_section_and_a_colon():
    report = make_report()
    names = [t["name"] for t in to_results_json(report)["tests"]]
    assert names == [c.title for c in report.checks], "one test per check, in the report's order"
    for name in names:
        section = name.split(":", 1)[0]
        assert section in SECTIONS and name.startswith(f"{section}: "), f"{name!r} starts with a section and ': '"


def test_scores_add_up():
    report = make_report()
    results = to_results_json(report)
    assert math.isclose(results["score"], sum(t["score"] for t in results["tests"])), "score = sum of tests"
    assert math.isclose(results["max_score"], sum(t["max_score"] for t in results["tests"])), "max = sum of tests"
    assert (results["score"], results["max_score"]) == (1.0, 5.0), f"1 of 5 points: {results['score']}"


def test_status_and_output_of_each_check():
    tests = {t["name"]: t for t in to_results_json(make_report())["tests"]}
    failed = tests["ReLU: backward matches the reference"]
    assert failed["status"] == "failed" and REASON in failed["output"] and DIAGNOSIS in failed["output"], \
        f"a failed test carries the reason and diagnosis: {failed}"
    assert tests["CrossEntropy: forward"]["status"] == "failed", "not implemented is a failed test"
    assert tests["Sigmoid: forward"]["status"] == "passed", "a 0-point check that passed is passed"


def test_results_json_is_deterministic_apart_from_the_time():
    first, second = to_results_json(make_report(execution_time=0.1)), to_results_json(make_report(execution_time=9))
    first.pop("execution_time"), second.pop("execution_time")
    assert first == second, "the same report gives the same results.json"


def test_section_ending_and_notices_go_to_the_output():
    output = to_results_json(make_report())["output"]
    assert "changed outside the YOUR CODE regions" in output, f"notices are in the output: {output!r}"
    assert "SoftMax: the graded code's run ended: timed out after 10 s" in output, f"a section's end: {output!r}"


def test_write_results_json_writes_atomically(tmp_path):
    path = tmp_path / "results.json"
    write_results_json(make_report(), path)
    assert json.loads(path.read_text(encoding="utf-8")) == to_results_json(make_report()), "the file is the dict"
    assert os.listdir(tmp_path) == ["results.json"], f"no temporary file left: {os.listdir(tmp_path)}"


def test_results_json_is_not_replaced_by_an_invalid_one(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("previous", encoding="utf-8")
    broken = dataclasses.replace(full_marks(), sections=(SectionResult("ReLU", 1.0, (
        check("ReLU", "forward", float("nan"), 1.0, FAILED),)),))
    with pytest.raises(ValueError):
        write_results_json(broken, path)
    assert path.read_text(encoding="utf-8") == "previous", "a failed write leaves the old file whole"
    assert os.listdir(tmp_path) == ["results.json"], f"no temporary file left: {os.listdir(tmp_path)}"


def test_a_report_with_sandbox_endings_round_trips_through_report_json():
    """A section's Ending, and an Ending standing as a check's status, come back as the same data."""
    from autograder import report_io
    crashed = Ending(SIGNAL, signal=11)
    report = dataclasses.replace(make_report(), sections=(
        SectionResult("ReLU", 2.0, (check("ReLU", "forward", 0.0, 2.0, crashed),), crashed, 0.5),
        SectionResult("CrossEntropy", 1.0, (check("CrossEntropy", "forward", 0.0, 1.0, NOT_IMPLEMENTED),), None),
        *make_report().sections))
    again = report_io.load(report_io.dump(report))
    assert again == report, f"round trip:\n{again}\n{report}"
    assert again.sections[0].child == crashed and again.sections[0].checks[0].status == crashed, \
        f"the ending came back as {again.sections[0].child!r} / {again.sections[0].checks[0].status!r}"
    assert [s.ended_abnormally for s in again.sections[:2]] == [True, False], "a section not run ended normally"
    forged = report_io.dump(report).replace('"kind": "signal"', '"kind": "pwned"', 1)
    with pytest.raises(ValueError, match="kind"):
        report_io.load(forged)


# --- terminal -----------------------------------------------------------------------------------------

def terminal_text(report, **console_options):
    buffer = io.StringIO()
    render_terminal(report, Console(file=buffer, width=400, **console_options))   # wide: no cell wraps
    return buffer.getvalue()


def test_terminal_shows_points_verdicts_and_totals():
    text = terminal_text(make_report(), color_system=None)
    for expected in ("0.50/0.50", "0.00/1.00", "Failed", "Passed", "Not implemented", "Error", REASON, DIAGNOSIS,
                     "ReLU total: 1.00 / 2", "Total: 1.00 / 5", "timed out after 10 s"):
        assert expected in text, f"{expected!r} should be in the terminal output:\n{text}"
    assert text.index("changed outside") < text.index("forward on random inputs"), "notices come above the tables"


@pytest.mark.parametrize("color_system", [None, "truecolor"])
def test_terminal_escapes_markup_and_control_characters(color_system):
    text = terminal_text(make_report(), color_system=color_system, force_terminal=color_system is not None)
    assert "[bold red]boom[/bold red]" in text, f"markup in a student's message is printed, not applied:\n{text}"
    assert "\x1b[2J" not in text, "a student's escape sequence never reaches the terminal"
    assert "\\x1b[2J" in text, "it is shown escaped instead"


def test_terminal_total_for_full_marks():
    text = terminal_text(full_marks(), color_system=None)
    assert "Total: 2.00 / 2" in text, f"the total line:\n{text}"


# --- feedback.md --------------------------------------------------------------------------------------

def test_feedback_has_each_failed_check_with_reason_and_diagnosis():
    text = render_feedback(make_report())
    fixes = text[text.index("## What to fix"):]
    assert "### ReLU: backward matches the reference: Failed" in fixes, f"the failed check:\n{fixes}"
    assert REASON in fixes and DIAGNOSIS in fixes, f"its reason and diagnosis:\n{fixes}"
    assert "CrossEntropy: forward: Not implemented" in fixes, f"unimplemented checks are listed:\n{fixes}"
    assert "forward on random inputs" not in fixes, "passed checks are not in the fixes"


def test_feedback_in_english_has_the_total_and_tables():
    text = render_feedback(make_report(), "en")
    for expected in ("**Total: 1.00 / 5**", "| ReLU | 1.00 / 2 |", "Passed", "Failed", "Error",
                     "| Check | Points | Result |", "张三 · 2024123456", "## Notices", "timed out after 10 s"):
        assert expected in text, f"{expected!r} should be in the feedback:\n{text}"
    assert not re.search(r"[\u4e00-\u9fff]", text.replace("张三", "")), f"no Chinese in the English feedback:\n{text}"


def test_feedback_in_chinese_has_the_total_and_tables():
    text = render_feedback(make_report(), "zh")
    for expected in ("**总分: 1.00 / 5**", "| ReLU | 1.00 / 2 |", "通过", "未通过", "出错",
                     "| 检查项 | 得分 | 结果 |", "张三 · 2024123456", "## 提示", "超时（10 秒）",
                     "随机输入上的 forward", "## 需要改进的地方"):
        assert expected in text, f"{expected!r} should be in the Chinese feedback:\n{text}"
    for english in ("Total", "Passed", "What to fix", "Notices", "forward on random inputs"):
        assert english not in text, f"{english!r} left in English in the Chinese feedback:\n{text}"


def test_feedback_escapes_student_text():
    text = render_feedback(make_report())
    for raw in ("<img", "[bold red]", "col **", "`y`", "_x_", "| col"):
        assert not re.search(r"(?<!\\)" + re.escape(raw), text), f"{raw!r} from a student appears unescaped:\n{text}"
    assert markdown(HOSTILE) in text, "it is shown escaped"
    assert "\x1b" not in text, "no control character"
    reason = [line for line in text.splitlines() if "ValueError" in line]
    assert len(reason) == 1 and reason[0].endswith("second line"), f"the message stays on its one line: {reason}"


def test_feedback_holds_only_what_the_report_holds():
    text = render_feedback(full_marks())
    assert "What to fix" not in text and "All checks passed." in text, f"full marks:\n{text}"
    assert "Notices" not in text and "Student" not in text, f"no empty notices or student line:\n{text}"
    assert "hw1_student" not in text, "the grader's path to the submission is not shown to the student"


def test_feedback_is_deterministic_and_written_atomically(tmp_path):
    assert render_feedback(make_report(execution_time=1)) == render_feedback(make_report(execution_time=2)), \
        "the same report gives the same feedback"
    write_feedback(make_report(), tmp_path / "feedback.md")
    assert (tmp_path / "feedback.md").read_text(encoding="utf-8") == render_feedback(make_report()) + "\n", \
        "the file is the rendered feedback"
    assert os.listdir(tmp_path) == ["feedback.md"], f"no temporary file left: {os.listdir(tmp_path)}"


def _located_report(code):
    from autograder.messages import msg
    from autograder.report import ArraySummary, Evidence, Location
    failed = CheckResult("FullyConnected", "backward: dW matches the reference", 0.0, 0.5, FAILED,
                         msg("describe:shape", label=msg("label:dW"), got="(3, 4)", expected="(4, 3)"),
                         msg("mistake:fc_dW_transposed"), msg("consistency:backward_wrong"),
                         Evidence(msg("label:dW"), (("X", "(6, 4)"), ("dY", "(6, 3)")),
                                  ArraySummary("(4, 3)", "float64", "[0.1, 0.2, …]"),
                                  ArraySummary("(3, 4)", "float32", "[0.1, 0.3, …]"), ""),
                         Location("fully_connected:FullyConnected.backward", code, 2))
    return GradeReport("x", (SectionResult("FullyConnected", 0.5, (failed,)),))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_feedback_shows_the_evidence_and_the_region_with_the_likely_line(lang):
    code = ('        dZ = self.activation.backward(dLdY)', '        self.gradients["W"] = dZ.T @ X')
    text = render_feedback(_located_report(code), lang)
    for expected in ("X (6, 4), dY (6, 3)", "(4, 3)", "float32", "\\[0.1, 0.3, …\\]",
                     '>> 2  self.gradients["W"] = dZ.T @ X', "   1  dZ = self.activation.backward(dLdY)"):
        assert expected in text, f"{expected!r} should be in the {lang} feedback:\n{text}"


def test_student_code_cannot_close_the_fence_or_reach_the_terminal():
    code = ("        x = 1  # ```` closes a short fence", "        y = '\x1b[2J'")
    text = render_feedback(_located_report(code))
    fence = re.search(r"^(`{3,})python$", text, re.M)
    assert fence and len(fence.group(1)) > 4, f"the fence is longer than any backtick run of the code:\n{text}"
    assert "\x1b" not in text and "\\x1b[2J" in text, "control characters are shown escaped"


def test_the_sandbox_isolation_is_for_the_ta_only(tmp_path):
    report = dataclasses.replace(make_report(), isolation="reduced: no namespaces (not permitted here), its own uid")
    assert "reduced: no namespaces" in terminal_text(report, color_system=None), "the TA's terminal shows it"
    assert "reduced" not in json.dumps(to_results_json(report), ensure_ascii=False), "results.json does not"
    assert "reduced" not in render_feedback(report), "feedback.md does not"
