"""Grade one submission: ``grade(path, **options) -> GradeReport``.

For each section, a hybrid package is built in a scratch folder and a sandboxed child runs the probes
on it; the parent, which never imports student code, compares the arrays with the reference's.
"""

import json
import os
import pickle
import re
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from regions import MANIFEST, is_unfilled

from . import hybrid, probes
from .handout import generate
from .judge import ProbeResult, SectionContext, judge_section
from .load import load_submission, too_large
from .messages import msg
from .provenance import loaded_code
from .report import ERROR, NOT_IMPLEMENTED, GradeReport, SectionResult, zero_section
from .rubric import SECTIONS
from .runs import run_child
from .sandbox import Limits, read_results, scratch_root
from .sandbox.outcome import EXITED

DEFAULT_TIMEOUT = Limits.timeout          # seconds per section; the sandbox defines it
DEFAULT_BUDGET = 30.0                     # seconds of runs for all the sections of one submission
MIN_SECTION = 1.0                         # seconds a section gets when the budget is spent
SLOW = 0.8                                # of the budget: a submission that runs this long is flagged
SHOWN_CODE = 16 * 1024                    # bytes of the student's code a report shows, all checks together


@lru_cache(maxsize=None)
def pristine_manifest():
    """The handout's manifest, made from the reference (not read from a folder a student could edit)."""
    return json.loads(generate()[MANIFEST])


@lru_cache(maxsize=None)
def _reference_package():
    return probes.package("autograder.reference")


@lru_cache(maxsize=None)
def expected(probe):
    """The reference's arrays for one probe (computed once per process)."""
    arrays, status, error, _ = probes.run_probe(probe, _reference_package(), inputs_of(probe))
    assert status == probes.OK, f"the reference fails probe {probe}: {error}"
    return arrays


@lru_cache(maxsize=None)
def inputs_of(probe):
    """``probes.inputs_for(probe)``, made once per process and read-only: the reference, every student's
    child and the judge all use the same arrays, and none may change them."""
    inputs = probes.inputs_for(probe)
    for array in inputs.values():
        array.flags.writeable = False
    return inputs


@lru_cache(maxsize=None)
def _runner_files(names):
    """The bytes of ``runner.py`` and of its inputs (``probes.INPUTS``) for the probes ``names``, the same
    for every student. The inputs are a pickle: the grader writes it and the runner reads it before any
    student code runs; what the child writes back is never unpickled."""
    inputs = {f"{p}/{k}": np.array(v) for p in names for k, v in inputs_of(p).items()}    # writeable
    return Path(probes.__file__).read_bytes(), pickle.dumps(inputs, protocol=5)


def grade(path: str | os.PathLike, *, timeout: float = DEFAULT_TIMEOUT, jobs: int | None = None,
          budget: float = DEFAULT_BUDGET) -> GradeReport:
    """Grade the submission at ``path`` (a package folder, an upload folder, a zip or a submission.md).

    Raises ``load.SubmissionError`` when nothing can be graded; otherwise returns the report, whatever
    the score. ``jobs`` sections are graded at once (default: one more than the number of CPUs: a
    section's run spends part of its time waiting on pipes and on its processes' start and end, which
    the next one fills). ``budget``: seconds of runs for all the sections (at least one ``timeout``); a
    section gets what is left of it, at least ``MIN_SECTION``, at most ``timeout``.
    """
    start = time.monotonic()
    loaded = load_submission(path, pristine_manifest())
    clock = Clock(max(budget, timeout), Limits(timeout=timeout))
    oversized = dict(loaded.oversized)
    scratch_root()                        # before the threads: first calls at once would race to make it
    with ThreadPoolExecutor(max_workers=jobs or (os.cpu_count() or 1) + 1) as pool:
        graded = list(pool.map(lambda s: grade_section(s, loaded.regions, clock, oversized), SECTIONS))
    flags = [msg("flag:loaded_code", section=msg(f"section:{r.name}")) for r, _, loaded_ in graded if loaded_]
    if clock.spent >= SLOW * clock.budget:
        flags.append(msg("flag:slow", seconds=f"{clock.spent:.1f}", budget=f"{clock.budget:g}"))
    return GradeReport(str(path), _shown_code_bounded(r for r, _, _ in graded), tuple(loaded.notices),
                       loaded.student_name, loaded.student_id, execution_time=round(time.monotonic() - start, 3),
                       isolation=_weakest(i for _, i, _ in graded), flags=tuple(flags))


class Clock:
    """The submission's time budget, shared by its sections' threads: what the runs took so far."""

    def __init__(self, budget, limits):
        self.budget, self.limits, self.spent, self.lock = budget, limits, 0.0, threading.Lock()

    def limits_left(self):
        with self.lock:
            left = min(self.limits.timeout, max(MIN_SECTION, self.budget - self.spent))
        return self.limits if left == self.limits.timeout else replace(self.limits, timeout=round(left, 1))

    def add(self, seconds):
        with self.lock:
            self.spent += seconds


def _shown_code_bounded(sections):
    """The sections, the code windows of their checks kept while they fit ``SHOWN_CODE`` bytes in all:
    whatever the regions hold, every check's words are bounded, and so is the report."""
    left, bounded = SHOWN_CODE, []
    for section in sections:
        checks = []
        for check in section.checks:
            # A shown line is its bytes and its number (">> 12  ").
            size = sum(len(line.encode()) + 8 for line in check.location.code) if check.location else 0
            if size > left:
                check = replace(check, location=replace(check.location, code=()))
            left -= size if size <= left else 0
            checks.append(check)
        bounded.append(replace(section, checks=tuple(checks)))
    return tuple(bounded)


def _weakest(isolations):
    """The isolation the TA should hear of: a reduced sandbox's, its per-run uid left out, or ""."""
    reduced = sorted({re.sub(r"uid \d+", "its own uid", i) for i in isolations if i.startswith("reduced")})
    return "; ".join(reduced)


def grade_section(section, regions, clock, oversized=None):
    """Grade one section in its own sandboxed child: (SectionResult, how the child was isolated, whether
    its regions build or load code). ``clock``: the submission's ``Clock``; ``oversized``: ``{region id:
    bytes}`` of the regions too large to be parsed (``load.MAX_REGION_BYTES``).

    A section whose regions are all unfilled, hold a region too large to parse, or build or load code by
    their syntax is reported without running anything.
    """
    texts = {rid: regions[rid] for rid in section.regions if rid in regions}
    big = next((rid for rid in section.regions if rid in (oversized or {})), None)
    if big:
        return zero_section(section, ERROR, too_large(big, oversized[big])), "", False
    missing = [rid for rid in section.regions if is_unfilled(texts.get(rid, ""))]
    if len(missing) == len(section.regions):
        reason = msg("reason:not_implemented", regions=missing[0]) if len(missing) == 1 else \
            msg("reason:not_implemented_many", regions=", ".join(missing))
        return zero_section(section, NOT_IMPLEMENTED, reason), "", False
    for rid, text in texts.items():
        what, line = loaded_code(text)
        if what:
            reason = msg("reason:loaded_code", what=what, region=rid, line=line)
            return zero_section(section, ERROR, reason), "", True
    inputs = {p: inputs_of(p) for p in probes.probes_of(section.name)}
    # The reference's arrays (cached per process) before the child starts: another section's child
    # runs meanwhile, on the other core.
    reference = {p: expected(p) for p in inputs}
    with tempfile.TemporaryDirectory(prefix=f"nnhw-{section.name}-", dir=scratch_root()) as scratch:
        scratch = Path(scratch)
        spans = hybrid.build(scratch / probes.PACKAGE, section, texts)
        runner, inputs_file = _runner_files(tuple(inputs))
        (scratch / "runner.py").write_bytes(runner)
        (scratch / probes.INPUTS).write_bytes(inputs_file)
        (scratch / "out").mkdir()
        outcome = run_child(scratch, "runner.py", [section.name], clock.limits_left())
        raw = read_results(scratch / "out")
    clock.add(outcome.elapsed)
    seconds, ending = round(outcome.elapsed, 3), outcome.ending
    if ending.kind == EXITED and ending.code == probes.LOADED_CODE:
        return zero_section(section, ERROR, msg("reason:loaded_code_run"), ending, seconds), outcome.isolation, True
    results = {name: ProbeResult.from_child(arrays) for name, arrays in raw.items()}
    ctx = SectionContext(section, texts, ending, hybrid.locator(spans))
    checks = judge_section(ctx, results, reference, inputs)
    return SectionResult(section.name, section.points, checks, ending, seconds), outcome.isolation, False
