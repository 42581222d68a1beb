"""Build student packages for the grader's tests: the handout with chosen region texts spliced in."""

import shutil
from functools import lru_cache

from regions import find_regions, read_source, splice

from autograder.paths import HANDOUT_DIR, REFERENCE_DIR


@lru_cache(maxsize=None)
def _reference_regions():
    regions = {}
    for path in sorted(REFERENCE_DIR.glob("*.py")):
        for r in find_regions(read_source(path), path.stem, path):
            regions[r.id] = r.text
    return regions


def reference_regions():
    """``{region id: text}`` of the reference solution: what a student who finished submits."""
    return dict(_reference_regions())


def with_change(region, old, new):
    """The reference's regions with ``old`` replaced by ``new`` in one region (which must contain it)."""
    texts = reference_regions()
    assert old in texts[region], f"{region} does not contain {old!r}; the catalogue is out of date"
    texts[region] = texts[region].replace(old, new)
    return texts


def write_package(dest, texts):
    """Copy the handout to ``dest/hw1_student`` and splice ``texts`` into its regions; returns the folder."""
    package = dest / "hw1_student"
    shutil.copytree(HANDOUT_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    for path in package.glob("*.py"):
        source = read_source(path)
        spliced = splice(source, path.stem, texts, path)
        if spliced != source:
            path.write_text(spliced, encoding="utf-8")
    return package
