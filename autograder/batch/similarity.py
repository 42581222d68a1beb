"""Which students handed in alike code: copydetect (https://github.com/blingenf/copydetect), the k-gram
fingerprints of MOSS's winnowing, on each student's filled regions of the graded sections.

copydetect tokenises the code first (every name becomes ``V``, every string ``S``, comments and layout
go), so renamed variables, new comments and re-indented lines change nothing, and moved lines keep their
k-grams. Each region is compared with the same region of the other student, so that no k-gram spans two
regions (the end of one and the start of the next are alike in every upload). The handout's text of a
region (its hints and its ``raise NotImplementedError``) is boilerplate: its lines are left out and its
fingerprints discarded, so it matches nothing. Every k-gram is kept (a window of 1, which copydetect
allows when time is no issue; a region is a few dozen tokens), so a score does not depend on Python's
per-process string hashing: the same class gives the same scores in every run.

A pair's score is the smaller of the two shares (the part of each student's code, over all their graded
regions, found in the other's): a short upload made of common idioms is not a copy of a long one.
"""

import io
import itertools
import textwrap
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from regions import find_regions, is_unfilled, read_source

from ..grade import pristine_manifest
from ..handout import stub_text
from ..load import SubmissionError, load_submission
from ..paths import REFERENCE_DIR
from ..rubric import SECTIONS
from ..render.text import escaped
from .gradebook import text_cell, who, write_table

NOISE = 20              # characters of tokenised code: shorter matches are idioms (``V=V@V+V``), not copies
# Calibrated (tests/test_similarity.py) on ten authors, the reference and tests/styles.py's correct
# solutions in the styles of nine public ones: their 45 pairs score 0.21 on average and at most 0.49 (code
# the API and the hints dictate, such as _init_parameters); a copy of each, its names renamed and its lines
# swapped, at least 0.82.
THRESHOLD = 0.65
GRADED_REGIONS = tuple(rid for s in SECTIONS if s.points for rid in s.regions)
CSV = "similarity.csv"
HEADER = ["similarity", "student A", "entry A", "share of A", "student B", "entry B", "share of B", "regions"]


@dataclass(frozen=True)
class Pair:
    """Two rows (``a`` before ``b`` in the gradebook), their score, the share of each one's code found in
    the other's, the regions holding their common code, and each one's text of those regions ({region
    id: text})."""

    a: object
    b: object
    score: float
    shares: tuple
    shared: tuple
    code_a: dict
    code_b: dict


def code_of(regions):
    """{region id: dedented text} of a student's filled graded regions, or None when there is none."""
    code = {rid: textwrap.dedent(regions[rid]) for rid in GRADED_REGIONS
            if rid in regions and not is_unfilled(regions[rid])}
    return code or None


@lru_cache(maxsize=None)
def _handout():
    """{region id: (the stripped lines of its handout text, their fingerprints)} of the graded regions."""
    import numpy as np
    stubs = {r.id: textwrap.dedent(stub_text(r)) for path in sorted(REFERENCE_DIR.glob("*.py"))
             for r in find_regions(read_source(path), path.stem, path) if r.id in GRADED_REGIONS}
    return {rid: (frozenset(ln.strip() for ln in text.splitlines()), np.array(sorted(_fingerprint(text).hashes)))
            for rid, text in stubs.items()}


def _fingerprint(text, boilerplate=None):
    from copydetect import CodeFingerprint            # numpy, pygments, matplotlib: only for a class
    return CodeFingerprint("code.py", NOISE, 1, boilerplate, fp=io.StringIO(text), language="python")


def _fingerprints(code):
    """{region id: its fingerprint}, the handout's lines and fingerprints left out."""
    prints = {}
    for rid, text in code.items():
        lines, boilerplate = _handout()[rid]
        prints[rid] = _fingerprint("".join(ln for ln in text.splitlines(True) if ln.strip() not in lines), boilerplate)
    return prints


def compare(rows):
    """Every pair of graded rows of different students, most similar first (ties in gradebook order)."""
    students = []
    for row in rows:
        if row.report is not None and row.entry.student_id:
            try:
                code = code_of(load_submission(row.entry.path, pristine_manifest()).regions)
            except (SubmissionError, OSError):            # changed since it was graded: it is not compared
                continue
            prints = _fingerprints(code) if code else {}
            if sum(p.token_coverage for p in prints.values()):
                students.append((row, code, prints))
    pairs = [_pair(*a, *b) for a, b in itertools.combinations(students, 2)
             if a[0].entry.student_id != b[0].entry.student_id]
    return sorted(pairs, key=lambda p: -p.score)


def _pair(row_a, code_a, prints_a, row_b, code_b, prints_b):
    from copydetect import compare_files
    found_a = found_b = 0.0
    shared = []
    for rid in GRADED_REGIONS:
        if rid in prints_a and rid in prints_b:
            overlap, (share_a, share_b), _ = compare_files(prints_a[rid], prints_b[rid])
            if overlap:
                found_a += share_a * prints_a[rid].token_coverage
                found_b += share_b * prints_b[rid].token_coverage
                shared.append(rid)
    shares = tuple(round(float(found / sum(p.token_coverage for p in prints.values())), 2)
                   for found, prints in ((found_a, prints_a), (found_b, prints_b)))
    return Pair(row_a, row_b, min(shares), shares, tuple(shared), {rid: code_a[rid] for rid in shared},
                {rid: code_b[rid] for rid in shared})


def best_matches(pairs):
    """{row label: the Pair with its highest score}."""
    best = {}
    for pair in pairs:                                 # most similar first: the first seen is the best
        for row in (pair.a, pair.b):
            best.setdefault(row.entry.label, pair)
    return best


def write_csv(path, pairs, threshold):
    """``similarity.csv``: a row per pair whose score is at least ``threshold``, most similar first; returns
    ``path``."""
    rows = [[f"{p.score:.2f}", who(p.a.entry), text_cell(p.a.entry.label), f"{p.shares[0]:.2f}", who(p.b.entry),
             text_cell(p.b.entry.label), f"{p.shares[1]:.2f}", " ".join(p.shared)]
            for p in pairs if p.score >= threshold]
    return write_table(path, HEADER, rows)


def side_by_side(left, right, width=60):
    """Two texts in two columns of ``width`` (display) characters, split by ``|``: lines too long are cut
    with "…", control characters shown escaped, the handout's hint lines left out (they are not compared)."""
    def cells(text):
        lines = [ln.replace("\t", "    ") for ln in text.rstrip("\n").split("\n") if ln.strip() not in _hints()]
        return [escaped(ln) for ln in lines]

    def fit(line):
        cols = lambda text: sum(_width(c) for c in text)        # noqa: E731
        if cols(line) > width:
            while cols(line) > width - 1:
                line = line[:-1]
            line += "…"
        return line + " " * (width - cols(line))

    return [f"{fit(a)} | {b}".rstrip() for a, b in itertools.zip_longest(cells(left), cells(right), fillvalue="")]


def _width(c):
    """Columns a character takes in a monospace font: 2 for the wide ones (Chinese), else 1."""
    return 2 if unicodedata.east_asian_width(c) in "WF" else 1


def _hints():
    """The handout's lines of every graded region (stripped), which the side-by-side view leaves out."""
    return frozenset().union(*(lines for lines, _ in _handout().values()))
