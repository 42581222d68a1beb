"""Grading throughput against a fresh ``python -c "import numpy"``, measured side by side in the same run.

Every figure is a median with its spread ``[min-max]`` and a ratio to that baseline:

* one submission: the whole command ``python -m autograder grade <reference>`` (and on the same
  submission with the 0-point regions unfilled), run in turn with the baseline so that a busy moment of
  the machine weighs on all; as the environment says (``PYTHONDONTWRITEBYTECODE`` here: every module
  compiled at each start) and with a bytecode cache of their own, as Python keeps by default;
* a class of N submissions (copies of the reference, and every fifth one a mutant from tests/mutants.py)
  graded by ``autograder.batch.grade_all`` with 2 workers: the time of each submission (its report's
  ``execution_time``), the class's wall time, submissions per minute, and wall time per submission,
  against the baseline measured again right after the class (a shared machine's load drifts);
* a class whose submissions leave the optional (0-point) regions unfilled, as most students do: their
  sections are not run;
* the first few submissions of that class again with a fresh interpreter per section (the sandbox's
  path without its fork server), for the gain of the fork server;
* the floor: the probes of every section run on the reference in the grader's own process, without any
  sandbox or child, which no design of the sandbox can go below.

``python -m benchmarks.bench_class [--n 200] [--jobs 2] [--repeats 9] [--typical 40] [--fresh 10]``
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from rich.console import Console

from autograder import REPO_ROOT, probes
from autograder import grade as grading
from autograder.batch import grade_all
from autograder.rubric import SECTIONS
from autograder.runs import run_child
from autograder.sandbox import isolation_mode
from make_submission import upload_name
from benchmarks.timing import bytecode_cache, seconds_of
from tests import kits
from tests.mutants import MUTANTS

MUTANT_EVERY = 5
PAUSE = 0.3                            # seconds between two commands measured side by side


def spread(seconds):
    """``median [min-max]`` in ms."""
    return f"{statistics.median(seconds) * 1e3:7.0f} ms [{min(seconds) * 1e3:.0f}-{max(seconds) * 1e3:.0f}]"


def whole_command(argv):
    """Seconds of one command."""
    start = time.perf_counter()
    subprocess.run(argv, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def side_by_side(commands, repeats):
    """{name: [seconds]} of whole commands (argvs) run in turn, after one warm-up run of each, each
    ``PAUSE`` seconds after the one before, as a TA's commands are."""
    times = {name: [] for name in commands}
    for repeat in range(repeats + 1):
        for name, argv in commands.items():
            time.sleep(PAUSE)
            took = whole_command(argv)
            if repeat:
                times[name].append(took)
    return times


def grade_command(path):
    """``python -m autograder grade PATH``."""
    return [sys.executable, "-m", "autograder", "grade", str(path)]


def whole_commands(reference, typical, repeats, cached):
    """Print one submission's whole command (every region filled, and the 0-point ones unfilled) against
    the baseline, run in turn; returns their times."""
    times = side_by_side({"numpy": [sys.executable, "-c", "import numpy"],
                          "grade": grade_command(reference),
                          "typical": grade_command(typical)}, repeats)
    baseline = statistics.median(times["numpy"])
    print(f"bytecode cache {'on (a cache of their own, as Python keeps by default)' if cached else 'as the environment says'}:")
    print(f"  python -c 'import numpy'         {spread(times['numpy'])}")
    for key, label in (("grade", "grade <reference>"), ("typical", "grade <0-point unfilled>")):
        pairs = statistics.median(g / b for g, b in zip(times[key], times["numpy"]))
        print(f"  python -m autograder {label:<33}{spread(times[key])}   {statistics.median(times[key]) / baseline:.2f}x "
              f"numpy (median of run-by-run ratios {pairs:.2f}x)")
    return times


def write_class(folder, n, optional=True):
    """N upload folders; every MUTANT_EVERY-th holds a mutant (cycling through the catalogue). Without
    ``optional``, the regions of the 0-point sections are left unfilled, as most students leave them,
    and those sections' children are not run."""
    unfilled = set() if optional else {rid for s in SECTIONS if not s.points for rid in s.regions}
    for i in range(n):
        if i % MUTANT_EVERY == MUTANT_EVERY - 1:
            _, region, old, new, _, _ = MUTANTS[(i // MUTANT_EVERY) % len(MUTANTS)]
            texts = kits.with_change(region, old, new)
        else:
            texts = kits.reference_regions()
        texts = {rid: text for rid, text in texts.items() if rid not in unfilled}
        top = folder / upload_name(f"student{i:03d}", f"{2024000000 + i}")
        top.mkdir(parents=True)
        kits.write_package(top, texts)


def grade_class(folder, out, jobs):
    """(wall seconds, per-submission seconds, scores) of ``grade_all``."""
    start = time.perf_counter()
    result = grade_all(folder, out, jobs=jobs, force=True, console=Console(quiet=True))
    wall = time.perf_counter() - start
    reports = [row.report for row in result.rows if row.report is not None]
    if len(reports) != len(result.rows):
        raise RuntimeError(f"{len(result.rows) - len(reports)} submissions were not graded: {result.summary_line()}")
    return wall, [r.execution_time for r in reports], [r.score for r in reports]


def probe_floor(repeats):
    """Seconds of every probe of every section on the reference, in this process, after a warm-up."""
    package = grading._reference_package()
    inputs = {name: probes.inputs_for(name) for name in probes.PROBES}

    def run_all():
        for name in probes.PROBES:
            probes.run_probe(name, package, inputs[name])

    return seconds_of(run_all, repeats)


def class_line(label, n, wall, each, baseline):
    per = wall / n
    print(f"{label:<34} wall {wall:7.1f} s   {n / wall * 60:6.1f} / min   wall/submission {per * 1e3:5.0f} ms "
          f"({per / baseline:.2f}x numpy)   each {spread(each)} ({statistics.median(each) / baseline:.2f}x)")


def main(argv=None):
    args = build_parser().parse_args(argv)
    print(f"isolation: {isolation_mode()}; {args.jobs} workers; whole commands: median [min-max] of "
          f"{args.repeats}, run in turn")
    with tempfile.TemporaryDirectory(prefix="nnhw-bench-class-") as tmp:
        tmp = Path(tmp)
        reference = kits.write_package(tmp / "reference", kits.reference_regions())
        optional = {rid for s in SECTIONS if not s.points for rid in s.regions}
        typical_one = kits.write_package(tmp / "typical-one", {rid: text for rid, text in
                                                              kits.reference_regions().items() if rid not in optional})
        for cached in (False, True):
            with bytecode_cache(cached):
                times = whole_commands(reference, typical_one, args.repeats, cached)
        folder = tmp / "class"
        write_class(folder, args.n)
        grading.grade(reference)                    # the grader's warm-up: expected values, fork server
        wall, each, scores = grade_class(folder, tmp / "out", args.jobs)
        after = side_by_side({"numpy": [sys.executable, "-c", "import numpy"]}, args.repeats)["numpy"]
        baseline = statistics.median(times["numpy"] + after)
        print(f"python -c 'import numpy', after    {spread(after)}   (baseline from here on: the median of "
              f"both, {baseline * 1e3:.0f} ms)")
        full = sum(score == max(scores) for score in scores)
        class_line(f"grade_all -j {args.jobs}, {args.n} submissions", args.n, wall, each, baseline)
        print(f"{'':<34} scores: {full} full marks, {len(scores) - full} below; {args.n // MUTANT_EVERY} "
              f"mutants (a few cost feedback only, not points)")
        if args.typical:
            typical = tmp / "typical"
            write_class(typical, args.typical, optional=False)
            typical_wall, typical_each, _ = grade_class(typical, tmp / "out-typical", args.jobs)
            class_line(f"  0-point regions unfilled, {args.typical}", args.typical, typical_wall, typical_each,
                       baseline)
        if args.fresh:
            subset = tmp / "fresh"
            write_class(subset, min(args.fresh, args.n))
            # The sandbox's fallback path, for comparison: a new interpreter and `import numpy` per section.
            grading.run_child = partial(run_child, fork_server_ok=False)
            try:
                fresh_wall, fresh_each, _ = grade_class(subset, tmp / "out-fresh", args.jobs)
            finally:
                grading.run_child = run_child
            n = min(args.fresh, args.n)
            class_line(f"  fresh interpreters, {n} submissions", n, fresh_wall, fresh_each, baseline)
            print(f"{'':<34} fork server speed-up per submission: {fresh_wall / n / (wall / args.n):.2f}x")
        floor = probe_floor(args.repeats)
        print(f"floor: all probes in-process          {spread(floor)}   "
              f"{statistics.median(floor) / baseline:.2f}x numpy (one core; {args.jobs} workers share "
              f"{args.jobs} cores: {statistics.median(floor) / args.jobs * 1e3:.0f} ms a submission at best)")


def build_parser():
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_class", description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=200, help="submissions in the class (default 200)")
    p.add_argument("--jobs", type=int, default=2, help="grade_all workers (default 2)")
    p.add_argument("--repeats", type=int, default=9, help="runs of each whole command (default 9)")
    p.add_argument("--typical", type=int, default=40,
                   help="submissions graded again with the 0-point regions unfilled, as most are (0: none)")
    p.add_argument("--fresh", type=int, default=10,
                   help="submissions graded again with fresh interpreters, for comparison (0: none)")
    return p


if __name__ == "__main__":
    main()
