"""Grade what the homework asks: correct solutions written the way real students write them score 10/10,
and the bugs real students make cost points in their own section only. The styles and bugs, and the
public solutions they imitate, are in ``tests/styles.py``."""

import pytest

from autograder.grade import grade
from autograder.report import PASSED
from autograder.rubric import SECTIONS
from tests import kits
from tests.styles import BUGS, GRADED_REGIONS, STYLE_TEXTS, STYLES, bug_texts

# The homework's 10 points: ReLU 2, FullyConnected 4, SoftMax 2, CrossEntropy 1, the two-layer model 1.
HOMEWORK = {"ReLU": 2.0, "FullyConnected": 4.0, "SoftMax": 2.0, "CrossEntropy": 1.0, "Model": 1.0}


def _points(report):
    return {s.name: s.points for s in report.sections if s.name in HOMEWORK}


def _failures(report, section=None):
    return "; ".join(f"{c.section}: {c.title} [{c.status}] {c.reason} {c.diagnosis or ''}"
                     for c in report.checks
                     if c.status != PASSED and (section is None or c.section == section)) or "none"


def test_the_rubric_gives_the_homework_its_points():
    rubric = {s.name: s.points for s in SECTIONS if s.name in HOMEWORK}
    assert rubric == HOMEWORK, f"the rubric's graded sections {rubric} are not the homework's {HOMEWORK}"


@pytest.mark.parametrize("name", [name for name, _ in STYLES])
def test_each_style_fills_every_graded_region_with_whole_indented_lines(name):
    texts = STYLE_TEXTS[name]
    assert sorted(texts) == sorted(GRADED_REGIONS), \
        f"{name}: regions {sorted(texts)}, expected all of {sorted(GRADED_REGIONS)}"
    for region, text in texts.items():
        assert text.endswith("\n"), f"{name}: {region} does not end with a newline"
        assert all(not line or line.startswith(" " * 8) for line in text.splitlines()), \
            f"{name}: {region} has a line indented less than a method body: {text!r}"


@pytest.mark.parametrize("name,style,texts,section", BUGS, ids=[b[0] for b in BUGS])
def test_each_bug_changes_its_own_sections_regions_only(name, style, texts, section):
    regions = {r for s in SECTIONS if s.name == section for r in s.regions}
    assert texts and set(texts) <= regions, f"{name}: changes {sorted(texts)}, not only {section}'s {sorted(regions)}"
    assert all(STYLE_TEXTS[style][r] != t for r, t in texts.items()), f"{name}: a text equals {style}'s own"


@pytest.mark.parametrize("name", [name for name, _ in STYLES])
def test_each_students_style_scores_full_marks(name, tmp_path):
    report = grade(kits.write_package(tmp_path, STYLE_TEXTS[name]))
    points = _points(report)
    assert points == HOMEWORK, f"{name}: {points} instead of {HOMEWORK}; failed checks: {_failures(report)}"
    assert report.score == 10.0, f"{name}: scored {report.score}/10; failed checks: {_failures(report)}"


@pytest.mark.parametrize("name,style,texts,section", BUGS, ids=[b[0] for b in BUGS])
def test_each_bug_loses_points_in_its_own_section_only(name, style, texts, section, tmp_path):
    report = grade(kits.write_package(tmp_path, bug_texts(style, texts)))
    points = _points(report)
    assert points[section] < HOMEWORK[section], \
        f"{name} (in {style}): {section} kept {points[section]}/{HOMEWORK[section]}; its checks: " \
        f"{_failures(report, section)}"
    others = {s: p for s, p in points.items() if s != section and p != HOMEWORK[s]}
    assert not others, f"{name} (in {style}): other sections lost points {others}; failed checks: {_failures(report)}"
