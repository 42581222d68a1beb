"""Grading throughput against a fresh ``python -c "import numpy"``, measured side by side in the same run.

Every figure is a median with its spread ``[min-max]`` and a ratio to that baseline:

* one submission: the whole command ``python -m autograder grade <reference>``, run in turn with the
  baseline so that a busy moment of the machine weighs on both;
* a class of N submissions (copies of the reference, and every fifth one a mutant from tests/mutants.py)
  graded by ``autograder.batch.grade_all`` with 2 workers: the time of each submission (its report's
  ``execution_time``), the class's wall time, submissions per minute, and wall time per submission,
  against the baseline measured again right after the class (a shared machine's load drifts).

``python -m benchmarks.bench_class [--n 200] [--jobs 2] [--repeats 9]``
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

from autograder import REPO_ROOT
from autograder import grade as grading
from autograder.batch import grade_all
from autograder.sandbox import isolation_mode
from make_submission import upload_name
from tests import kits
from tests.mutants import MUTANTS

MUTANT_EVERY = 5
PAUSE = 0.3                            # seconds between two commands measured side by side
NUMPY = [sys.executable, "-c", "import numpy"]


def spread(seconds):
    """``median [min-max]`` in ms."""
    return f"{statistics.median(seconds) * 1e3:7.0f} ms [{min(seconds) * 1e3:.0f}-{max(seconds) * 1e3:.0f}]"


def side_by_side(commands, repeats):
    """{name: [seconds]} of whole commands (argvs) run in turn, after one warm-up run of each, each
    ``PAUSE`` seconds after the one before, as a TA's commands are."""
    times = {name: [] for name in commands}
    for repeat in range(repeats + 1):
        for name, argv in commands.items():
            time.sleep(PAUSE)
            start = time.perf_counter()
            subprocess.run(argv, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)
            if repeat:
                times[name].append(time.perf_counter() - start)
    return times


def write_class(folder, n):
    """N upload folders; every MUTANT_EVERY-th holds a mutant (cycling through the catalogue)."""
    for i in range(n):
        if i % MUTANT_EVERY == MUTANT_EVERY - 1:
            _, region, old, new, _, _ = MUTANTS[(i // MUTANT_EVERY) % len(MUTANTS)]
            texts = kits.with_change(region, old, new)
        else:
            texts = kits.reference_regions()
        top = folder / upload_name(f"student{i:03d}", f"{2024000000 + i}")
        top.mkdir(parents=True)
        kits.write_package(top, texts)


def main(argv=None):
    args = build_parser().parse_args(argv)
    print(f"isolation: {isolation_mode()}; {args.jobs} workers; whole commands: median [min-max] of "
          f"{args.repeats}, run in turn")
    with tempfile.TemporaryDirectory(prefix="nnhw-bench-class-") as tmp:
        tmp = Path(tmp)
        reference = kits.write_package(tmp / "reference", kits.reference_regions())
        times = side_by_side({"numpy": NUMPY, "grade": [sys.executable, "-m", "autograder", "grade",
                                                        str(reference)]}, args.repeats)
        pairs = statistics.median(g / b for g, b in zip(times["grade"], times["numpy"]))
        print(f"python -c 'import numpy'           {spread(times['numpy'])}")
        print(f"python -m autograder grade <ref>    {spread(times['grade'])}   "
              f"{statistics.median(times['grade']) / statistics.median(times['numpy']):.2f}x numpy "
              f"(median of run-by-run ratios {pairs:.2f}x)")
        write_class(tmp / "class", args.n)
        grading.grade(reference)                    # the grader's warm-up: expected values, fork server
        start = time.perf_counter()
        result = grade_all(tmp / "class", tmp / "out", jobs=args.jobs, force=True, console=Console(quiet=True))
        wall = time.perf_counter() - start
        reports = [row.report for row in result.rows if row.report is not None]
        if len(reports) != args.n:
            raise RuntimeError(f"{args.n - len(reports)} submissions were not graded: {result.summary_line()}")
        after = side_by_side({"numpy": NUMPY}, args.repeats)["numpy"]
        baseline = statistics.median(times["numpy"] + after)
        print(f"python -c 'import numpy', after    {spread(after)}   (baseline from here on: the median of "
              f"both, {baseline * 1e3:.0f} ms)")
        each, per = [r.execution_time for r in reports], wall / args.n
        print(f"grade_all -j {args.jobs}, {args.n} submissions   wall {wall:7.1f} s   {args.n / wall * 60:6.1f} / min   "
              f"wall/submission {per * 1e3:5.0f} ms ({per / baseline:.2f}x numpy)   each {spread(each)} "
              f"({statistics.median(each) / baseline:.2f}x)")
        full = sum(r.score == r.max_score for r in reports)
        print(f"scores: {full} full marks, {len(reports) - full} below; {args.n // MUTANT_EVERY} mutants "
              f"(a few cost feedback only, not points)")


def build_parser():
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_class", description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=200, help="submissions in the class (default 200)")
    p.add_argument("--jobs", type=int, default=2, help="grade_all workers (default 2)")
    p.add_argument("--repeats", type=int, default=9, help="runs of each whole command (default 9)")
    return p


if __name__ == "__main__":
    main()
