"""Shared fixtures: the students' kit in a temp dir, with the reference or the fresh stubs as hw1_student."""

import shutil

import pytest

from autograder.paths import HANDOUT_DIR, KIT_FILES, REFERENCE_DIR, REPO_ROOT


def make_kit(tmp_path, package_dir):
    """``tmp_path/kit`` holding ``package_dir`` copied as ``hw1_student/`` and the kit's scripts beside it."""
    kit = tmp_path / "kit"
    shutil.copytree(package_dir, kit / "hw1_student", ignore=shutil.ignore_patterns("__pycache__"))
    for name in KIT_FILES:
        shutil.copy2(REPO_ROOT / name, kit / name)
    return kit


@pytest.fixture
def reference_kit(tmp_path):
    """A kit whose hw1_student is the complete reference solution."""
    return make_kit(tmp_path, REFERENCE_DIR)


@pytest.fixture
def stub_kit(tmp_path):
    """A kit whose hw1_student is the handout as generated: every region raises NotImplementedError."""
    return make_kit(tmp_path, HANDOUT_DIR)


@pytest.fixture
def no_pictures(monkeypatch):
    """grade-all's summary pictures (``batch.summary``) drawn as empty PNGs: for tests of what a class run
    grades and keeps, which need not wait for matplotlib. The generated class of tests/test_batch.py is
    summarised with its real pictures."""
    from autograder.batch import summary

    monkeypatch.setattr(summary, "_png", lambda figure: b"\x89PNG\r\n\x1a\n")
