"""A generated class for the batch grader's tests: every kind of entry a TA's download folder holds.

``build_class(folder)`` writes the entries and returns what the gradebook must say about each, keyed by
entry name: the student id, and either the total (with the one section that must lose points, for a
mutant) or the status with a word its reason must hold.
"""

import zipfile
from dataclasses import dataclass

from make_submission import build_zip, upload_name
from regions import Submission, render_submission

from autograder.rubric import SECTIONS
from tests.hostile import hostile_texts
from tests.kits import reference_regions, with_change, write_package
from tests.mutants import MUTANTS

FULL = sum(s.points for s in SECTIONS)


@dataclass(frozen=True)
class Expected:
    """What one entry's gradebook row must show. ``loses``: the section a mutant must lose points in (every
    other section full), so the total is below full marks; ``total``: an exact total."""

    student_id: str | None
    status: str
    total: float | None = None
    loses: str | None = None
    reason_word: str = ""


def _mutant(name):
    _, region, old, new, section, _ = next(m for m in MUTANTS if m[0] == name)
    return with_change(region, old, new), section


def _upload(folder, name, student_id, texts):
    """The course's upload folder ``<name>_<id>_hw1_student/hw1_student/`` holding ``texts``."""
    top = folder / upload_name(name, student_id)
    top.mkdir()
    write_package(top, texts)
    return top.name


def build_class(folder, scratch):
    """Write the class into ``folder`` (``scratch``: a folder for building the zip); returns
    {entry name: Expected}."""
    expected = {}

    def add(entry, *args, **kwargs):
        expected[entry] = Expected(*args, **kwargs)

    add(_upload(folder, "张三", "2021001", reference_regions()), "2021001", "duplicate id", total=FULL)
    add(_upload(folder, "Zhang San", "2021001", {}), "2021001", "duplicate id", total=0.0)
    add(_upload(folder, "Li Si", "2021002", {}), "2021002", "graded", total=0.0)
    for i, mutant in enumerate(("fc db not summed", "relu abs", "ce sum"), start=3):
        texts, section = _mutant(mutant)
        add(_upload(folder, f"mutant{i}", f"202100{i}", texts), f"202100{i}", "graded", loses=section)
    # A zip made by the students' own make_submission.py.
    package = write_package(scratch, reference_regions())
    text = render_submission(Submission("王五", "2021006", "2026-11-20", reference_regions()))
    build_zip(package, text, "王五", "2021006", folder / f"{upload_name('王五', '2021006')}.zip")
    add(f"{upload_name('王五', '2021006')}.zip", "2021006", "graded", total=FULL)
    # A bare submission.md: name and id from its header.
    texts, section = _mutant("softmax no shift")
    (folder / "submission.md").write_text(render_submission(Submission("周七", "2021007", "2026-11-20", texts)),
                                          encoding="utf-8")
    add("submission.md", "2021007", "graded", loses=section)
    # A hostile one: its ReLU ends the child; the rest is the reference's.
    texts = reference_regions() | hostile_texts("os._exit")
    add(_upload(folder, "hostile", "2021009", texts), "2021009", "graded", loses="ReLU")
    (folder / f"{upload_name('Wu', '2021008')}.zip").write_bytes(b"PK\x03\x04 this is not a zip at all")
    add(f"{upload_name('Wu', '2021008')}.zip", "2021008", "error", reason_word="zip")
    (folder / "notes.txt").write_text("grading notes\n", encoding="utf-8")
    add("notes.txt", None, "skipped", reason_word="not a folder")
    nameless = folder / "homework"
    nameless.mkdir()
    write_package(nameless, reference_regions())
    add("homework", None, "skipped", reason_word="no student id")
    return expected


def zip_bomb(path, members=1, size=200 * 2**20):
    """A zip whose ``members`` entries each inflate to ``size`` bytes of zeros (a few hundred kB on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(members):
            with z.open(f"hw1_student/activations{i or ''}.py", "w", force_zip64=True) as member:
                block = b"\0" * 2**20
                for _ in range(size // len(block)):
                    member.write(block)
