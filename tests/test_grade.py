"""The grader, end to end: the reference, the stubs, correct alternatives, a catalogue of mutants."""

import shutil
import zipfile

import pytest

from regions import Submission, render_submission

from autograder.diagnose import MISTAKES
from autograder.grade import grade
from autograder.paths import HANDOUT_DIR
from autograder.render.feedback import render_feedback
from autograder.render.gradescope import to_results_json
from autograder.report import NOT_IMPLEMENTED, NOTE, PASSED
from autograder.rubric import SECTIONS
from tests import kits
from tests.alternatives import ALTERNATIVES
from tests.mutants import MUTANTS, NOTES, RECOGNISED_AS

FULL = {s.name: s.points for s in SECTIONS}


def _points(report):
    return {s.name: s.points for s in report.sections}


def _failures(report):
    return "; ".join(f"{c.title} [{c.status}] {c.reason} {c.diagnosis or ''}"
                     for c in report.checks if c.status != PASSED)


@pytest.fixture(scope="module")
def reference_package(tmp_path_factory):
    return kits.write_package(tmp_path_factory.mktemp("reference"), kits.reference_regions())


def test_reference_scores_full_marks_from_a_package_folder(reference_package):
    report = grade(reference_package)
    assert report.score == 10.0 and report.max_score == 10.0, f"reference: {report.score}; {_failures(report)}"
    assert all(c.status == PASSED for c in report.checks), _failures(report)


def test_reference_scores_full_marks_from_an_upload_zip(reference_package, tmp_path):
    upload = tmp_path / "张三_2024001_hw1_student"
    shutil.copytree(reference_package, upload / "hw1_student")
    zip_path = tmp_path / "upload.zip"
    with zipfile.ZipFile(zip_path, "w") as z:
        for path in upload.rglob("*.py"):
            z.write(path, path.relative_to(tmp_path).as_posix())
        z.write(upload / "hw1_student" / "_handout.json", "张三_2024001_hw1_student/hw1_student/_handout.json")
    report = grade(zip_path)
    assert report.score == 10.0, f"reference zip: {report.score}; {_failures(report)}"


def test_reference_scores_full_marks_from_its_submission_md(tmp_path):
    md = tmp_path / "submission.md"
    md.write_text(render_submission(Submission("张三", "2024001", "2026-11-24", kits.reference_regions())),
                  encoding="utf-8")
    report = grade(md)
    assert report.score == 10.0, f"reference submission.md: {report.score}; {_failures(report)}"
    assert (report.student_name, report.student_id) == ("张三", "2024001"), "the header names the student"


def test_fresh_stubs_score_zero_and_every_check_says_not_implemented(tmp_path):
    shutil.copytree(HANDOUT_DIR, tmp_path / "hw1_student")
    report = grade(tmp_path / "hw1_student")
    assert report.score == 0.0, f"stubs scored {report.score}"
    statuses = {c.status for c in report.checks}
    assert statuses == {NOT_IMPLEMENTED}, f"stubs: statuses {statuses}; {_failures(report)}"
    assert all("not implemented" in str(c.reason) for c in report.checks), "each reason names the region"
    assert to_results_json(report)["output"] == "", "no section 'ended' when none was run"


@pytest.mark.parametrize("name,changes", ALTERNATIVES, ids=[a[0] for a in ALTERNATIVES])
def test_correct_alternatives_score_full_marks(name, changes, tmp_path):
    texts = kits.reference_regions()
    for region, (old, new) in changes.items():
        assert old is None or old in texts[region], f"{name}: {region} no longer contains {old!r}"
        texts[region] = new if old is None else texts[region].replace(old, new)
    report = grade(kits.write_package(tmp_path, texts))
    assert report.score == 10.0, f"{name}: {report.score}; {_failures(report)}"
    diagnosed = [(c.title, str(c.diagnosis)) for c in report.checks
                 if (c.diagnosis or c.consistency) and c.status != NOTE]
    assert not diagnosed, f"{name}: a correct alternative gets no diagnosis: {diagnosed}"


@pytest.mark.parametrize("name,region,old,new,section,words", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_each_mutant_loses_points_in_its_own_section_only_with_its_diagnosis(
        name, region, old, new, section, words, tmp_path):
    report = grade(kits.write_package(tmp_path, kits.with_change(region, old, new)))
    points = _points(report)
    failed = [c for c in report.checks if c.status not in (PASSED, NOTE)]
    assert failed and all(c.section == section for c in failed), \
        f"{name}: failures outside {section}: {_failures(report)}"
    if FULL[section]:
        assert points[section] < FULL[section], f"{name}: {section} kept {points[section]}"
    assert all(points[s] == FULL[s] for s in FULL if s != section), f"{name}: {points}"
    if words:
        said = " ".join(f"{c.reason} {c.diagnosis or ''} {c.consistency or ''}" for c in failed)
        assert words in said, f"{name}: expected {words!r} in the feedback: {said}"


@pytest.mark.parametrize("name,region,old,new,section,words", NOTES, ids=[m[0] for m in NOTES])
def test_what_the_homework_leaves_open_is_a_note_worth_no_points(name, region, old, new, section, words, tmp_path):
    report = grade(kits.write_package(tmp_path, kits.with_change(region, old, new)))
    assert report.score == 10.0, f"{name}: {report.score}; {_failures(report)}"
    notes = [c for c in report.checks if c.status == NOTE]
    assert notes and all(c.section == section and c.max_points == 0 for c in notes), \
        f"{name}: notes {[(c.title, c.max_points) for c in notes]}"
    said = " ".join(f"{c.reason} {c.diagnosis or ''}" for c in notes)
    assert words in said, f"{name}: expected {words!r} in the note: {said}"
    feedback = render_feedback(report)
    assert "Notes (0 points)" in feedback and words in feedback, f"{name}: the note reaches feedback.md"


def test_grading_twice_gives_the_same_report(reference_package, tmp_path):
    texts = kits.with_change("activations:SoftMax.backward", "Y * (dY - np.sum(dY * Y, axis=-1, keepdims=True))",
                             "dY * Y * (1 - Y)")
    package = kits.write_package(tmp_path, texts)
    first, second = grade(package), grade(package)
    assert first == second, "two gradings of one submission differ (timing aside)"


def test_a_failed_backward_says_which_half_to_fix(tmp_path):
    forward_bug = grade(kits.write_package(tmp_path / "forward", kits.with_change(
        "fully_connected:FullyConnected.forward", "Z = X @ W + b", "Z = X @ W")))
    backward = [c for c in forward_bug.checks if c.section == "FullyConnected" and c.name.startswith("backward")]
    assert backward and all(c.consistency.key.startswith("consistency:forward") for c in backward), \
        f"a forward bug: {[(c.name, str(c.consistency)) for c in backward]}"
    backward_bug = grade(kits.write_package(tmp_path / "backward", kits.with_change(
        "activations:ReLU.backward", "dZ = dY * (Z > 0)", "dZ = dY * (Z > 0) * 0.5")))
    relu = [c for c in backward_bug.checks if c.section == "ReLU" and c.name.startswith("backward matches")]
    assert relu and "the mistake is in backward" in str(relu[0].consistency), \
        f"a backward bug: {[(c.name, str(c.consistency)) for c in relu]}"


def test_every_mistake_of_the_catalogue_has_a_mutant():
    names = {m[0] for m in MUTANTS + NOTES}
    missing = sorted(set(MISTAKES) - set(RECOGNISED_AS))
    assert not missing, f"catalogue entries without a mutant in tests/mutants.py: {missing}"
    unknown = {k: v for k, v in RECOGNISED_AS.items() if k not in MISTAKES or v not in names}
    assert not unknown, f"RECOGNISED_AS names unknown mistakes or mutants: {unknown}"
    assert len(MISTAKES) >= 25, f"the catalogue holds {len(MISTAKES)} mistakes; the issue asks for 25 at least"


@pytest.mark.parametrize("mistake", sorted(RECOGNISED_AS))
def test_each_mutant_is_recognised_as_its_mistake_and_no_other(mistake, tmp_path):
    name, region, old, new, section, _ = next(m for m in MUTANTS + NOTES if m[0] == RECOGNISED_AS[mistake])
    report = grade(kits.write_package(tmp_path, kits.with_change(region, old, new)))
    named = {c.diagnosis.key for c in report.checks if getattr(c.diagnosis, "key", "").startswith("mistake:")}
    assert named == {f"mistake:{mistake}"}, f"{name}: diagnosed as {sorted(named)}; {_failures(report)}"
    located = [c.location for c in report.checks if getattr(c.diagnosis, "key", "") == f"mistake:{mistake}"]
    assert all(loc and loc.region == region for loc in located), \
        f"{name}: the feedback points at {[loc and loc.region for loc in located]}, not {region}"
    assert any(loc.line for loc in located), f"{name}: no line of {region} is pointed at"


def test_the_pointed_line_holds_the_mistake(tmp_path):
    report = grade(kits.write_package(tmp_path, kits.with_change(
        "fully_connected:FullyConnected.backward", 'self.gradients["W"] = X.T @ dZ', 'self.gradients["W"] = dZ.T @ X')))
    dW = next(c for c in report.checks if c.name == "backward: dW matches the reference")
    assert dW.location.code[dW.location.line - dW.location.first].strip() == 'self.gradients["W"] = dZ.T @ X', \
        f"the marked line: {dW.location}"
    assert dW.evidence.received.shape == "(3, 4)" and dW.evidence.expected.shape == "(4, 3)", dW.evidence
    assert ("X", "(6, 4)") in dW.evidence.inputs, f"the inputs' shapes: {dW.evidence.inputs}"


def test_the_received_dtype_is_the_students(tmp_path):
    report = grade(kits.write_package(tmp_path, kits.with_change(
        "activations:ReLU.forward", "np.maximum(0.0, Z)", "np.maximum(0.0, Z).astype(np.float16)")))
    forward = next(c for c in report.checks if c.section == "ReLU" and c.name == "forward on random inputs")
    assert forward.status != PASSED and forward.evidence.received.dtype == "float16", \
        f"a float16 result is named as such: {forward}"


