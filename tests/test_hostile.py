"""Hostile submissions gain nothing, never stop the grader, leave no process and end within limits."""

import os
import tempfile
import time
from pathlib import Path

import pytest

from autograder.grade import grade
from autograder.sandbox import UID_BASE
from autograder.report import PASSED
from tests import kits
from tests.hostile import NAMES, hostile_texts

TIMEOUT = 2.0
# Six sections graded two at a time, one of which may run into the timeout; generous for a busy machine.
DEADLINE = TIMEOUT + 20.0


def _sandbox_processes(scratch_root):
    """PIDs of this test's graded children: their command line names a scratch folder under
    ``scratch_root`` (a fork keeps its parent's command line), or they run as a sandbox uid in it.

    Scoped to the test's own folder: another grader on the machine is none of this test's business.
    """
    found, marker = [], str(scratch_root).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            uid = int((entry / "status").read_text().split("\nUid:")[1].split()[0])
            cmdline = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd").encode() if uid >= UID_BASE else b""
        except (OSError, IndexError, ValueError):
            continue                                    # gone meanwhile
        if marker in cmdline or marker in cwd:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("name", NAMES)
def test_hostile_submission_gains_nothing_and_leaves_nothing(name, tmp_path, monkeypatch):
    scratch_root = tmp_path / "scratch"
    scratch_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_root))    # where grade() makes its scratch folders
    texts = kits.reference_regions()
    texts.update(hostile_texts(name))
    package = kits.write_package(tmp_path, texts)
    start = time.monotonic()
    report = grade(package, timeout=TIMEOUT)
    took = time.monotonic() - start
    relu = next(s for s in report.sections if s.name == "ReLU")
    assert relu.points == 0.0, f"{name}: ReLU scored {relu.points}: " + \
        "; ".join(f"{c.name}: {c.status}" for c in relu.checks if c.status == PASSED)
    assert report.score == 8.0, f"{name}: total {report.score}; the other sections must keep their 8 points"
    assert took < DEADLINE, f"{name}: grading took {took:.1f} s with a {TIMEOUT} s timeout"
    deadline = time.monotonic() + 2.0
    while _sandbox_processes(scratch_root) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _sandbox_processes(scratch_root)
    assert not left, f"{name}: processes left behind: {left}"
    assert os.getpid() > 0, "the grader survived"


def test_hostile_endings_are_reported_by_name(tmp_path):
    texts = kits.reference_regions()
    texts.update(hostile_texts("infinite loop"))
    relu = next(s for s in grade(kits.write_package(tmp_path, texts), timeout=TIMEOUT).sections
                if s.name == "ReLU")
    assert relu.child == f"timed out after {TIMEOUT:g} s", f"the child's ending is named: {relu.child!r}"
    assert any("timed out" in c.status for c in relu.checks), "the checks say the section timed out"
