"""Build the package a section is graded on: the pristine skeleton with the student's regions of THIS
section, the reference's regions of the sections it needs, and stubs everywhere else.

Modules holding reference regions are shipped as bytecode without source, so the student's code
cannot read a solution from disk and print it into its own feedback.
"""

import py_compile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from make_submission import find_regions, read_source, splice

from .handout import stub_text
from .messages import msg
from .paths import REFERENCE_DIR
from .rubric import SECTIONS


@lru_cache(maxsize=None)
def reference_modules():
    """``{file name: source}`` of the reference package's top-level modules."""
    return {p.name: read_source(p) for p in sorted(REFERENCE_DIR.glob("*.py"))}


def section_of(region_id):
    for s in SECTIONS:
        if region_id in s.regions:
            return s.name
    raise KeyError(f"region {region_id} belongs to no section of the rubric")


@dataclass(frozen=True)
class Span:
    """Where a student's region sits in the hybrid package: file name and marker lines."""

    region: str
    file: str
    begin: int
    end: int


def build(package_dir, section, student_texts):
    """Write the hybrid package into ``package_dir``; returns the Spans of the section's regions.

    student_texts : {region id: text}; a region of the section that is absent gets the handout's stub.
    """
    package_dir = Path(package_dir)
    package_dir.mkdir(parents=True)
    spans = []
    for name, source in reference_modules().items():
        module = name[:-3]
        regions = find_regions(source, module, REFERENCE_DIR / name)
        texts, keeps_reference = {}, False
        for r in regions:
            owner = section_of(r.id)
            if owner == section.name:
                texts[r.id] = student_texts.get(r.id) or stub_text(r)
            elif owner in section.needs:
                keeps_reference = True
            else:
                texts[r.id] = stub_text(r)
        hybrid = splice(source, module, texts)
        if keeps_reference:
            assert not any(r.id in section.regions for r in regions), f"{name} mixes graded and needed regions"
            _write_bytecode(package_dir, name, hybrid)
            continue
        (package_dir / name).write_text(hybrid, encoding="utf-8")
        spans += [Span(r.id, name, r.begin, r.end) for r in find_regions(hybrid, module)
                  if r.id in section.regions]
    return spans


def _write_bytecode(package_dir, name, source):
    src = package_dir / (name + ".src")
    src.write_text(source, encoding="utf-8")
    py_compile.compile(str(src), cfile=str(package_dir / (name[:-3] + ".pyc")), dfile=name, doraise=True)
    src.unlink()


def locator(spans):
    """A function that turns the child's "file.py:line" into (words for the student, region id or None,
    1-based line in that region or None)."""
    def locate(where):
        file, _, line = where.rpartition(":")
        if not line.isdigit():
            return "", None, None
        for span in spans:
            if span.file == file and span.begin < int(line) < span.end:
                line_in_region = int(line) - span.begin
                return msg("where:region_line", line=line_in_region, region=span.region), span.region, line_in_region
        return msg("where:given_code", file=file, line=line), None, None
    return locate
