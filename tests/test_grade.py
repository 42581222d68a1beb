"""The grader, end to end: the reference, the stubs, correct alternatives, a catalogue of mutants."""

import shutil
import zipfile

import pytest

from make_submission import Submission, render_submission

from autograder.grade import grade
from autograder.paths import HANDOUT_DIR
from autograder.render.gradescope import to_results_json
from autograder.report import NOT_IMPLEMENTED, PASSED
from autograder.rubric import SECTIONS
from tests import kits
from tests.alternatives import ALTERNATIVES
from tests.mutants import MUTANTS

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
    assert all("not implemented" in c.reason for c in report.checks), "each reason names the region"
    assert to_results_json(report)["output"] == "", "no section 'ended' when none was run"


@pytest.mark.parametrize("name,changes", ALTERNATIVES, ids=[a[0] for a in ALTERNATIVES])
def test_correct_alternatives_score_full_marks(name, changes, tmp_path):
    texts = kits.reference_regions()
    for region, (old, new) in changes.items():
        assert old in texts[region], f"{name}: {region} no longer contains {old!r}"
        texts[region] = texts[region].replace(old, new)
    report = grade(kits.write_package(tmp_path, texts))
    assert report.score == 10.0, f"{name}: {report.score}; {_failures(report)}"


@pytest.mark.parametrize("name,region,old,new,section,words", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_each_mutant_loses_points_in_its_own_section_only_with_its_diagnosis(
        name, region, old, new, section, words, tmp_path):
    report = grade(kits.write_package(tmp_path, kits.with_change(region, old, new)))
    points = _points(report)
    failed = [c for c in report.checks if c.status != PASSED]
    assert failed and all(c.section == section for c in failed), \
        f"{name}: failures outside {section}: {_failures(report)}"
    if FULL[section]:
        assert points[section] < FULL[section], f"{name}: {section} kept {points[section]}"
    assert all(points[s] == FULL[s] for s in FULL if s != section), f"{name}: {points}"
    if words:
        said = " ".join(f"{c.reason} {c.diagnosis or ''}" for c in failed)
        assert words in said, f"{name}: expected {words!r} in the feedback: {said}"


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
    assert backward and all("fix the forward" in (c.diagnosis or "") for c in backward), \
        f"a forward bug: {[(c.name, c.diagnosis) for c in backward]}"
    backward_bug = grade(kits.write_package(tmp_path / "backward", kits.with_change(
        "activations:ReLU.backward", "dZ = dY * (Z > 0)", "dZ = dY * (Z > 0) * 0.5")))
    relu = [c for c in backward_bug.checks if c.section == "ReLU" and c.name.startswith("backward matches")]
    assert relu and "the mistake is in backward" in (relu[0].diagnosis or ""), \
        f"a backward bug: {[(c.name, c.diagnosis) for c in relu]}"
