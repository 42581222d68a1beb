"""``python -m autograder grade``: exit 0 whenever it graded, 2 with one line when it could not.

The grading core is replaced by a fake module, so these tests exercise only the command line; the fake
calls the real ``load_submission`` where the error messages must be the real ones.
"""

import json
import shutil
import subprocess
import sys
import types

import pytest

from autograder import cli
from autograder.handout import generate
from autograder.load import SubmissionError, load_submission
from autograder.paths import HANDOUT_DIR, REPO_ROOT
from autograder.report import FAILED, PASSED, CheckResult, GradeReport, SectionResult
from autograder.sandbox import SandboxError
from regions import MANIFEST


def report(points=1.5):
    checks = (CheckResult("ReLU", "forward", points, 1.5, PASSED if points else FAILED,
                          "" if points else "expected 1.0, got 0.0"),
              CheckResult("ReLU", "backward", 0.0, 0.5, FAILED, "expected dZ = 0 where Z < 0", "mask from the output"))
    return GradeReport("hw1_student", (SectionResult("ReLU", 2.0, checks),), student_name="张三", student_id="1")


@pytest.fixture(autouse=True)
def english_locale(monkeypatch):
    """The language defaults to the locale's: these tests read English unless they ask otherwise."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def fake_grade(monkeypatch):
    """Install a fake ``autograder.grade``; returns the list of its calls and lets a test set its result."""
    calls, behaviour = [], {"result": report()}

    def grade(path, **options):
        calls.append((path, options))
        result = behaviour["result"]
        if isinstance(result, Exception):
            raise result
        return result(path) if callable(result) else result

    monkeypatch.setitem(sys.modules, "autograder.grade", types.SimpleNamespace(grade=grade))
    return calls, behaviour


def real_loader(path):
    """What the real grade does first: load the submission, raising SubmissionError when it cannot."""
    load_submission(path, json.loads(generate()[MANIFEST]))
    return report()


def test_grading_prints_the_table_and_exits_0(fake_grade, capsys, monkeypatch):
    calls, _ = fake_grade
    monkeypatch.setenv("COLUMNS", "300")                # rich's width when not a terminal: no cell wraps
    assert cli.main(["grade", "some/path", "--timeout", "3"]) == 0, "graded: exit 0"
    out = capsys.readouterr().out
    assert "Total: 1.50 / 2" in out and "mask from the output" in out, f"the terminal table is printed:\n{out}"
    assert calls == [("some/path", {"timeout": 3.0})], f"grade(path, timeout=...) is called once: {calls}"


def test_default_timeout_is_10_seconds(fake_grade):
    calls, _ = fake_grade
    cli.main(["grade", "x"])
    assert calls[0][1] == {"timeout": 10.0}, f"the default timeout: {calls}"


def test_a_zero_score_still_exits_0(fake_grade, capsys):
    _, behaviour = fake_grade
    behaviour["result"] = report(points=0.0)
    assert cli.main(["grade", "x"]) == 0, "exit 0 whatever the score"
    assert "Total: 0.00 / 2" in capsys.readouterr().out, "the zero total is printed"


def test_json_and_feedback_are_written(fake_grade, tmp_path, capsys):
    results, feedback = tmp_path / "results.json", tmp_path / "feedback.md"
    assert cli.main(["grade", "x", "--json", str(results), "--feedback", str(feedback)]) == 0, "graded: exit 0"
    data = json.loads(results.read_text(encoding="utf-8"))
    assert data["score"] == 1.5 and [t["name"] for t in data["tests"]] == ["ReLU: forward", "ReLU: backward"], \
        f"results.json holds the report: {data}"
    assert "mask from the output" in feedback.read_text(encoding="utf-8"), "feedback.md holds the diagnosis"
    out = capsys.readouterr().out
    assert f"wrote {results}" in out and f"wrote {feedback}" in out, f"each file written is named:\n{out}"


def one_error_line(capsys):
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, f"exactly one line on stderr: {captured.err!r}"
    assert lines[0].startswith("autograder grade: error: "), f"the line says what failed: {lines[0]!r}"
    assert "Traceback" not in captured.err + captured.out, "never a traceback"
    return lines[0]


@pytest.mark.parametrize("make_path, words", [
    (lambda tmp: tmp / "missing", ["does not exist"]),
    (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", ["empty folder"]),
    (lambda tmp: (tmp / "x.zip").write_bytes(b"not a zip") and tmp / "x.zip", ["not a zip"]),
    (lambda tmp: (tmp / "notes.md").write_text("# notes\n") and tmp / "notes.md", ["not a submission.md"]),
], ids=["missing", "empty folder", "not a zip", "not a submission"])
def test_bad_input_exits_2_with_one_line(fake_grade, tmp_path, capsys, make_path, words):
    _, behaviour = fake_grade
    behaviour["result"] = real_loader
    path = make_path(tmp_path)
    assert cli.main(["grade", str(path)]) == 2, "could not grade: exit 2"
    line = one_error_line(capsys)
    for word in [path.name, *words]:
        assert word in line, f"{word!r} should be in {line!r}"


def test_submission_error_from_grade_is_one_line(fake_grade, capsys):
    _, behaviour = fake_grade
    behaviour["result"] = SubmissionError("upload.zip", "holds 2 packages (a/, b/); give one submission at a time")
    assert cli.main(["grade", "upload.zip", "--json", "r.json"]) == 2, "could not grade: exit 2"
    assert one_error_line(capsys) == ("autograder grade: error: upload.zip: holds 2 packages (a/, b/); "
                                      "give one submission at a time"), "the error as the loader wrote it"


def test_unwritable_output_exits_2_with_one_line(fake_grade, tmp_path, capsys):
    target = tmp_path / "no such folder" / "results.json"
    assert cli.main(["grade", "x", "--json", str(target)]) == 2, "a file asked for and not written: exit 2"
    assert "cannot write" in one_error_line(capsys), "the line says what could not be written"


def test_bad_timeout_is_a_usage_error(fake_grade, capsys):
    calls, _ = fake_grade
    with pytest.raises(SystemExit) as excinfo:
        cli.main(["grade", "x", "--timeout", "0"])
    assert excinfo.value.code == 2 and calls == [], "a timeout of 0 is refused before grading"
    assert "positive number of seconds" in capsys.readouterr().err, "the usage error says why"


def test_handout_verb_is_still_there():
    verbs = cli.build_parser()._subparsers._group_actions[0].choices
    assert {"handout", "grade"} <= set(verbs), f"both verbs: {sorted(verbs)}"


def test_module_entry_point_prints_one_line_for_bad_input(tmp_path):
    # A real process, so nothing of pytest's captures can hide a traceback; the fake core loads for real.
    code = ("import json, sys, types; from autograder.handout import generate; "
            "from autograder.load import load_submission; from autograder.report import GradeReport; "
            "sys.modules['autograder.grade'] = types.SimpleNamespace(grade=lambda p, **o: "
            "load_submission(p, json.loads(generate()['_handout.json'])) and GradeReport(p, ())); "
            "from autograder.cli import main; sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, "grade", str(tmp_path / "nope")], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, f"exit 2: {done.returncode}, {done.stderr}"
    assert done.stderr == f"autograder grade: error: {tmp_path / 'nope'}: does not exist\n", \
        f"exactly one line on stderr: {done.stderr!r}"


def test_results_are_written_even_when_the_table_is_cut_short(tmp_path):
    """`... | head` closes stdout early; the files the TA asked for must exist all the same."""
    package = tmp_path / "hw1_student"
    shutil.copytree(HANDOUT_DIR, package)              # the stubs: graded without any child
    results, feedback = tmp_path / "results.json", tmp_path / "feedback.md"
    command = [sys.executable, "-m", "autograder", "grade", str(package), "--json", str(results),
               "--feedback", str(feedback)]
    grader = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    grader.stdout.readline()
    grader.stdout.close()                              # what `head -1` does
    grader.wait(timeout=60)
    assert json.loads(results.read_text(encoding="utf-8"))["score"] == 0.0, "results.json written"
    assert feedback.read_text(encoding="utf-8").strip(), "feedback.md written"


def test_a_sandbox_that_cannot_start_is_one_line_not_a_traceback(fake_grade, capsys):
    _, behaviour = fake_grade
    behaviour["result"] = SandboxError("unshare failed: Operation not permitted")
    assert cli.main(["grade", "upload.zip"]) == 2, "the grader could not grade: exit 2"
    err = capsys.readouterr().err
    assert err == "autograder grade: error: unshare failed: Operation not permitted\n", f"one line: {err!r}"


@pytest.mark.parametrize("how", [["--lang", "zh"], []])
def test_lang_zh_or_a_chinese_locale_gives_chinese_everywhere(how, fake_grade, tmp_path, capsys, monkeypatch):
    if not how:
        monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    results, feedback = tmp_path / "results.json", tmp_path / "feedback.md"
    assert cli.main(["grade", "x", "--json", str(results), "--feedback", str(feedback), *how]) == 0, "graded"
    assert "总分" in capsys.readouterr().out, "the table is in Chinese"
    assert "总分" in feedback.read_text(encoding="utf-8"), "feedback.md is in Chinese"
    # The fake report's reasons are plain strings (not catalogue messages); its verdicts are translated.
    assert '"output": "通过"' in results.read_text(encoding="utf-8"), "results.json's verdicts are in Chinese"
