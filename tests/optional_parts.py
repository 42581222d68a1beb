"""Shared by the tests of the optional parts (issue 7): grade a package and read one section's checks."""

from autograder.grade import grade
from autograder.report import PASSED
from tests import kits


def section_checks(tmp_path, texts, section):
    """Grade the package made of ``texts`` and return the checks of ``section``."""
    report = grade(kits.write_package(tmp_path, texts))
    return [c for c in report.checks if c.section == section]


def failures(checks):
    return "; ".join(f"{c.name} [{c.status}] {c.reason} {c.diagnosis or ''}" for c in checks if c.status != PASSED)


def assert_all_pass(tmp_path, changes, section):
    """``changes`` ({region: (old, new)}) applied to the reference pass every check of ``section``."""
    texts = kits.reference_regions()
    for region, (old, new) in changes.items():
        assert old in texts[region], f"{region} no longer contains {old!r}"
        texts[region] = texts[region].replace(old, new)
    checks = section_checks(tmp_path, texts, section)
    assert checks and all(c.status == PASSED for c in checks), f"{section}: {failures(checks)}"
