"""Grade one submission: ``grade(path, **options) -> GradeReport``.

For each section, a hybrid package is built in a scratch folder and a sandboxed child runs the probes
on it; the parent, which never imports student code, compares the arrays with the reference's.
"""

import json
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from make_submission import MANIFEST, is_unfilled

from . import hybrid, probes
from .handout import generate
from .judge import ProbeResult, SectionContext, judge_section
from .load import load_submission
from .report import NOT_IMPLEMENTED, NOT_RUN, CheckResult, GradeReport, SectionResult
from .rubric import SECTIONS
from .sandbox import Limits, read_results, run_child

DEFAULT_TIMEOUT = Limits.timeout          # seconds per section; the sandbox defines it


@lru_cache(maxsize=None)
def pristine_manifest():
    """The handout's manifest, made from the reference (not read from a folder a student could edit)."""
    return json.loads(generate()[MANIFEST])


@lru_cache(maxsize=None)
def _reference_package():
    from .reference import activations, fully_connected, grad_check, losses, models
    return SimpleNamespace(activations=activations, fully_connected=fully_connected, losses=losses,
                           models=models, grad_check=grad_check)


@lru_cache(maxsize=None)
def expected(probe):
    """The reference's arrays for one probe (computed once per process)."""
    arrays, status, error, _ = probes.run_probe(probe, _reference_package(), probes.inputs_for(probe))
    assert status == probes.OK, f"the reference fails probe {probe}: {error}"
    return arrays


def grade(path, *, timeout=DEFAULT_TIMEOUT, jobs=None):
    """Grade the submission at ``path`` (a package folder, an upload folder, a zip or a submission.md).

    Raises ``load.SubmissionError`` when nothing can be graded; otherwise returns the report, whatever
    the score. ``jobs`` sections are graded at once (default: the number of CPUs).
    """
    start = time.monotonic()
    loaded = load_submission(path, pristine_manifest())
    limits = Limits(timeout=timeout)
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        graded = list(pool.map(lambda s: grade_section(s, loaded.regions, limits), SECTIONS))
    notices = list(loaded.notices)
    notices += [f"sandbox: {i}" for i in sorted({i for _, i in graded}) if i.startswith("reduced")]
    return GradeReport(str(path), tuple(result for result, _ in graded), tuple(notices), loaded.student_name,
                       loaded.student_id, execution_time=round(time.monotonic() - start, 3))


def grade_section(section, regions, limits):
    """Grade one section in its own sandboxed child: (SectionResult, how the child was isolated).

    A section whose regions are all unfilled is reported without running anything.
    """
    texts = {rid: regions[rid] for rid in section.regions if rid in regions}
    if all(is_unfilled(texts.get(rid, "")) for rid in section.regions):
        return _not_implemented(section, texts), ""
    inputs = {p: probes.inputs_for(p) for p in probes.probes_of(section.name)}
    with tempfile.TemporaryDirectory(prefix=f"nnhw-{section.name}-") as scratch:
        scratch = Path(scratch)
        spans = hybrid.build(scratch / probes.PACKAGE, section, texts)
        shutil.copyfile(probes.__file__, scratch / "runner.py")
        np.savez(scratch / "inputs.npz", **{f"{p}/{k}": v for p, x in inputs.items() for k, v in x.items()})
        (scratch / "out").mkdir()
        outcome = run_child(scratch, "runner.py", [section.name], limits)
        raw = read_results(scratch / "out")
    results = {name: ProbeResult.from_child(arrays) for name, arrays in raw.items()}
    ctx = SectionContext(section, texts, outcome.ending, hybrid.locator(spans))
    checks = judge_section(ctx, results, {p: expected(p) for p in inputs}, inputs)
    result = SectionResult(section.name, section.points, checks, outcome.ending, round(outcome.elapsed, 3))
    return result, outcome.isolation


def _not_implemented(section, texts):
    missing = [rid for rid in section.regions if is_unfilled(texts.get(rid, ""))]
    reason = f"{missing[0]} is not implemented yet" if len(missing) == 1 else \
        f"{', '.join(missing)} are not implemented yet"
    checks = tuple(CheckResult(section.name, c.name, 0.0, c.points, NOT_IMPLEMENTED, reason)
                   for c in section.checks)
    return SectionResult(section.name, section.points, checks, NOT_RUN)
