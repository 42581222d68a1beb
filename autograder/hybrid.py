"""Build the package a section is graded on: the pristine skeleton with the student's regions of THIS
section, the reference's regions of the sections it needs, and stubs everywhere else.

Modules holding reference regions are shipped as bytecode without source, so the student's code
cannot read a solution from disk and print it into its own feedback.
"""

import py_compile
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from regions import find_regions, read_source, splice, split_lines

from .handout import stub_text
from .messages import msg
from .paths import REFERENCE_DIR
from .rubric import SECTIONS


@lru_cache(maxsize=None)
def reference_modules():
    """``{file name: source}`` of the reference package's top-level modules."""
    return {p.name: read_source(p) for p in sorted(REFERENCE_DIR.glob("*.py"))}


SECTION_OF = {rid: s.name for s in SECTIONS for rid in s.regions}      # region id -> its section's name


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
    Raises RegionError for a text that cannot be spliced (not whole lines, or holding a marker line).
    """
    package_dir = Path(package_dir)
    package_dir.mkdir(parents=True)
    spans = []
    for module in _plan(section):
        if module.bytecode is not None:
            (package_dir / (module.name[:-3] + ".pyc")).write_bytes(module.bytecode)
            continue
        texts = {r.id: student_texts.get(r.id) or stub_text(r) for r in module.regions}
        source = splice(module.text, module.name[:-3], texts, regions=module.regions) if texts else module.text
        (package_dir / module.name).write_text(source, encoding="utf-8")
        spans += _spans(module, texts)
    return spans


@dataclass(frozen=True)
class _Module:
    """One module of a section's package, as far as it is the same for every student (see ``_plan``).

    ``text``: the module with every region that is not the section's already a stub, and ``regions``:
    the section's regions in it, for the student's texts; or ``bytecode``: the whole module, compiled,
    when it holds reference regions that the section needs.
    """

    name: str
    text: str = ""
    regions: tuple = ()
    bytecode: bytes | None = None


@lru_cache(maxsize=None)
def _plan(section):
    """The section's package as ``_Module``s, once per grader process: all but the student's texts, which
    is the same for every student."""
    plan = []
    for name, source in reference_modules().items():
        module = name[:-3]
        regions = _reference_regions(name)
        owners = {r.id: SECTION_OF[r.id] for r in regions}
        if any(owner in section.needs for owner in owners.values()):
            assert section.name not in owners.values(), f"{name} mixes graded and needed regions"
            hybrid = splice(source, module, {r.id: stub_text(r) for r in regions
                                             if owners[r.id] not in section.needs}, regions=regions)
            plan.append(_Module(name, bytecode=_bytecode(name, hybrid)))
            continue
        stubbed = splice(source, module, {r.id: stub_text(r) for r in regions if owners[r.id] != section.name},
                         regions=regions)
        ours = tuple(r for r in find_regions(stubbed, module) if owners[r.id] == section.name)
        plan.append(_Module(name, stubbed, ours))
    return tuple(plan)


@lru_cache(maxsize=None)
def _reference_regions(name):
    """The regions of the reference's module ``name``, parsed once for every section's plan."""
    return tuple(find_regions(reference_modules()[name], name[:-3], REFERENCE_DIR / name))


def _spans(module, texts):
    """Where the section's regions sit once ``texts`` are spliced in: each marker moves down by the lines
    added to the regions above it."""
    spans, shift = [], 0
    for r in module.regions:
        begin = r.begin + shift
        shift += len(split_lines(texts[r.id])) - len(split_lines(r.text))
        spans.append(Span(r.id, module.name, begin, r.end + shift))
    return spans


def _bytecode(name, source):
    """``source`` compiled as the module ``name``, in the .pyc format a sourceless import reads."""
    with tempfile.TemporaryDirectory(prefix="nnhw-bytecode-") as scratch:
        src, pyc = Path(scratch) / (name + ".src"), Path(scratch) / "module.pyc"
        src.write_text(source, encoding="utf-8")
        py_compile.compile(str(src), cfile=str(pyc), dfile=name, doraise=True)
        return pyc.read_bytes()


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
