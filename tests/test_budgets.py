"""What one submission can cost and say: a report of bounded size whatever its code prints or raises, a
time budget over all its sections, regions and files parsed only up to a size, files from Chinese Windows
editors read, not refused."""

import numpy as np
import pytest

from regions import Submission, read_source, render_submission, text_hash

from autograder import grade as grading
from autograder.judge import ProbeResult
from autograder.load import MAX_NOTICES, MAX_PARSED_BYTES, MAX_REGION_BYTES, load_submission
from autograder.messages import text
from autograder.probes import RAISED
from autograder.render.feedback import render_feedback
from autograder.render.gradescope import results_json_text
from autograder.report import PASSED
from autograder.sandbox.outcome import TIMED_OUT, Ending
from autograder.submitted_files import MAX_FILE_BYTES
from tests import kits

I = "        "               # the regions' indentation
REPORT_BYTES = 64 * 1024     # the most a results.json or a feedback.md of one submission may hold
RELU_F = "activations:ReLU.forward"
# Characters that markdown escapes, control characters that renderers escape, and Chinese (3 bytes each).
NOISE = ("|*_[]<>`~\\\x01\x02" + "密码") * 20


def _lines(*lines):
    return "".join(f"{I}{line}\n" for line in lines)


def _package(tmp_path, changes):
    texts = kits.reference_regions()
    texts.update(changes)
    return kits.write_package(tmp_path, texts)


# --- what a run says reaches the report only in a small form --------------------------------------------

LOUD = {
    # The last line of the run's output, quoted as its ending: the leak of the reference's bytecode.
    "prints a huge last line and exits": _lines("import sys, os", "sys.stdout.write('A' * 10**6 + 'Error\\n')",
                                                "sys.stdout.flush()", "os._exit(1)"),
    # A huge message, and a "where" it chose, in every check; a region padded with noise to near the cap.
    "raises a huge error": "".join(f"{I}# {NOISE[:180]}\n" for _ in range(70)) + _lines(
        "import sys", "sys.stdout.write('A' * 10**6 + 'Error\\n')",
        f"raise SyntaxError({NOISE!r} * 1000, ('/x/hw1_student/' + {NOISE!r} * 10, 99999, 1, 't'))"),
}


@pytest.mark.parametrize("name", sorted(LOUD))
def test_a_report_is_bounded_whatever_every_section_prints_or_raises(name, tmp_path):
    assert len(LOUD[name].encode()) <= MAX_REGION_BYTES, "the hostile region is within the region cap"
    report = grading.grade(_package(tmp_path, {rid: LOUD[name] for rid in kits.reference_regions()}))
    assert report.score == 0.0, f"{name}: scored {report.score}"
    for lang in ("en", "zh"):
        for kind, rendered in (("feedback.md", render_feedback(report, lang)),
                               ("results.json", results_json_text(report, lang))):
            size = len(rendered.encode())
            assert size <= REPORT_BYTES, f"{name}: {kind} ({lang}) holds {size} bytes, more than {REPORT_BYTES}"
            assert "A" * 201 not in rendered, f"{name}: {kind} ({lang}) quotes more than 200 characters of the run"
    endings = [s.child for s in report.sections if s.child is not None and not s.child.ok]
    assert all(len(e.exception) <= 200 for e in endings), f"{name}: an ending quotes the run at length"


def test_what_the_child_says_is_cut_where_the_parent_reads_it():
    said = np.frombuffer(("x" * 10_000).encode(), np.uint8)
    result = ProbeResult.from_child({"__status__": np.array(RAISED), "__error__": said, "__where__": said})
    assert (len(result.error), len(result.where)) == (200, 200), \
        f"the error and where are cut to 200 characters: {len(result.error)}, {len(result.where)}"


def test_a_submission_md_full_of_unknown_regions_gives_a_bounded_list_of_notices(tmp_path):
    texts = kits.reference_regions()
    texts.update({f"nowhere:{'x' * 500}{i}": _lines("pass") for i in range(60)})
    md = tmp_path / "submission.md"
    md.write_text(render_submission(Submission("x" * 5000, "2024001", "today", texts)), encoding="utf-8")
    assert md.stat().st_size <= MAX_FILE_BYTES, "within the file cap"
    loaded = load_submission(md, grading.pristine_manifest())
    assert len(loaded.notices) == MAX_NOTICES + 1, f"{MAX_NOTICES} notices and a count: {len(loaded.notices)}"
    assert "40 more" in text(loaded.notices[-1]), f"the last says how many more: {text(loaded.notices[-1])}"
    longest = max(len(text(n)) for n in loaded.notices)
    assert longest <= 500, f"each notice is cut: the longest holds {longest} characters"
    assert len(loaded.student_name) <= 100, f"the name is cut: {len(loaded.student_name)} characters"


# --- a time budget per submission ----------------------------------------------------------------------

SLEEP_ONCE = _lines("import time", "if not getattr(np, '_slept', False):", "    np._slept = True",
                    "    time.sleep(0.6)")


def test_a_submission_that_spends_its_time_budget_leaves_its_later_sections_the_minimum_and_is_flagged(tmp_path,
                                                                                                      monkeypatch):
    monkeypatch.setattr(grading, "MIN_SECTION", 0.4)     # short, so that the test waits little for the timeouts
    reference = kits.reference_regions()
    slow = {rid: SLEEP_ONCE + reference[rid] for rid in (
        RELU_F, "fully_connected:FullyConnected.forward", "activations:SoftMax.forward",
        "losses:CrossEntropyLoss.forward", "models:NeuralNetwork.forward")}
    # One section at a time, in rubric order: ReLU sleeps 0.6 s within its 1 s; less than the 0.4 s minimum
    # of the 1 s budget is left for FullyConnected, which times out; every later section starts with it.
    report = grading.grade(_package(tmp_path, slow), timeout=1.0, budget=1.0, jobs=1)
    by_name = {s.name: s for s in report.sections}
    assert by_name["ReLU"].points == 2.0, f"ReLU had its time: {by_name['ReLU'].child}"
    for name in ("FullyConnected", "SoftMax", "CrossEntropy", "Model"):
        assert by_name[name].child == Ending(TIMED_OUT, seconds=grading.MIN_SECTION), \
            f"{name} started with the minimum left: {by_name[name].child}"
    assert all(c.status == PASSED for c in by_name["Sigmoid"].checks), "a fast section passes in the minimum"
    spent = sum(s.seconds for s in report.sections)
    flags = [f for f in report.flags if f.key == "flag:slow"]
    assert len(flags) == 1 and "of its 1 s" in str(flags[0]), f"flagged slow, with its seconds: {report.flags}"
    assert abs(float(dict(flags[0].args)["seconds"]) - spent) < 0.1, f"the flag's seconds: {flags[0]}, ran {spent}"
    feedback = render_feedback(report) + results_json_text(report)
    assert "slow" not in feedback, "the slow flag is for the TA only"


def test_an_honest_submission_is_not_flagged(tmp_path):
    report = grading.grade(_package(tmp_path, {}))
    assert report.score == 10.0 and report.flags == (), f"the reference: {report.score}, flags {report.flags}"


# --- bounded work in the parent ------------------------------------------------------------------------

def _padded(rid, size):
    """The reference's region with legal expressions added until it holds ``size`` bytes."""
    line = f"{I}_ = " + " + ".join(["1.0"] * 30) + "\n"
    body = kits.reference_regions()[rid]
    return line * ((size - len(body)) // len(line) + 1) + body


@pytest.mark.parametrize("size", [25 * 1024, 2_400_000], ids=["25 KB", "2.4 MB"])
def test_an_oversized_region_is_named_and_not_graded(size, tmp_path):
    report = grading.grade(_package(tmp_path, {RELU_F: _padded(RELU_F, size)}))
    relu = next(s for s in report.sections if s.name == "ReLU")
    assert relu.points == 0.0 and relu.child is None, f"not run, not graded: {relu.points}, {relu.child}"
    reasons = {text(c.reason) for c in relu.checks}
    assert len(reasons) == 1 and RELU_F in reasons.pop(), f"each check names the region: {relu.checks[0].reason}"
    assert any(RELU_F in text(n) and "20 KB" in text(n) for n in report.notices), f"a notice: {report.notices}"
    assert report.score == 8.0, f"the other sections, SoftMax in the same module too, are graded: {report.score}"


def test_a_module_padded_outside_its_regions_is_not_parsed(tmp_path):
    package = _package(tmp_path, {})
    module = package / "activations.py"
    module.write_text(read_source(module) + "_ = 1.0\n" * (MAX_PARSED_BYTES // 8), encoding="utf-8")
    loaded = load_submission(package, grading.pristine_manifest())
    notices = [text(n) for n in loaded.notices if "activations.py" in text(n)]
    assert any("not parsed" in n for n in notices), f"the file is named and not parsed: {loaded.notices}"
    assert RELU_F not in loaded.regions, "its regions are not graded"


# --- encodings ----------------------------------------------------------------------------------------

GBK_COMMENT = "# 前向传播：逐元素取最大值\n"


def test_a_module_saved_as_gbk_is_graded_with_a_notice(tmp_path):
    package = _package(tmp_path, {RELU_F: I + GBK_COMMENT + kits.reference_regions()[RELU_F]})
    module = package / "activations.py"
    module.write_bytes(read_source(module).encode("gbk"))
    report = grading.grade(package)
    assert report.score == 10.0, f"graded normally: {report.score}"
    notices = [text(n) for n in report.notices if "GB18030" in text(n)]
    assert len(notices) == 1 and "activations.py:" in notices[0], f"one notice names the file: {report.notices}"


def test_a_submission_md_saved_as_gbk_is_read_with_a_notice(tmp_path):
    texts = kits.reference_regions()
    texts[RELU_F] = I + GBK_COMMENT + texts[RELU_F]
    md = tmp_path / "submission.md"
    md.write_bytes(render_submission(Submission("张三", "2024001", "today", texts)).encode("gbk"))
    loaded = load_submission(md, grading.pristine_manifest())
    assert loaded.regions[RELU_F] == texts[RELU_F], "the Chinese comment is read as written"
    assert loaded.student_name == "张三", f"the name too: {loaded.student_name}"
    assert any("GB18030" in text(n) for n in loaded.notices), f"a notice: {loaded.notices}"
    assert not any("edited" in text(n) for n in loaded.notices), "its hashes match the text as written"
    assert text_hash(loaded.regions[RELU_F]) == text_hash(texts[RELU_F]), "the region is the one written"
