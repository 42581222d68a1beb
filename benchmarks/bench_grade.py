"""What grading costs: one submission end to end, and where the time goes.

Prints the median wall time of ``grade()`` for the reference solution (its sections forked by the
grader's fork server, and with a fresh interpreter per section), the grader's own CPU time per grade,
for the fresh stubs (whose sections are not run at all), the time of one section, and the ratio of the
whole to the sum of its sections (below 1 when sections overlap on the machine's cores).
"""

import os
import shutil
import tempfile
from functools import partial
from pathlib import Path

from autograder import grade as grading
from autograder.grade import expected, grade, grade_section
from autograder.paths import HANDOUT_DIR
from autograder.rubric import SECTIONS
from autograder.runs import run_child
from autograder.sandbox import Limits
from benchmarks.timing import median_seconds
from tests import kits

REPEATS = 10


def grader_cpu(function, repeats):
    """(user, system) CPU seconds of this process, all its threads, per call of ``function``. The sandboxed
    runs are the fork server's children, not this process's, so this is the grader's own work: loading,
    building packages, writing inputs, reading results, judging."""
    before = os.times()
    for _ in range(repeats):
        function()
    after = os.times()
    return (after.user - before.user) / repeats, (after.system - before.system) / repeats


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        reference = kits.write_package(tmp / "reference", kits.reference_regions())
        stubs = tmp / "stubs" / "hw1_student"
        shutil.copytree(HANDOUT_DIR, stubs)
        whole = median_seconds(lambda: grade(reference), REPEATS)
        print(f"grade(reference)            {whole * 1000:7.0f} ms   (median of {REPEATS}; {len(SECTIONS)} "
              f"sections, forked by the fork server)")
        user, system = grader_cpu(lambda: grade(reference), REPEATS)
        print(f"  the grader's own CPU      {(user + system) * 1000:7.0f} ms   (user {user * 1000:.0f}, system "
              f"{system * 1000:.0f}; all its threads, a grade on average: the children's is not in it)")
        grading.run_child = partial(run_child, fork_server_ok=False)     # the sandbox's fallback path
        try:
            fresh = median_seconds(lambda: grade(reference), REPEATS)
        finally:
            grading.run_child = run_child
        print(f"  fresh interpreters        {fresh * 1000:7.0f} ms   (fork server speed-up {fresh / whole:.2f}x)")
        print(f"grade(fresh stubs)          {median_seconds(lambda: grade(stubs), REPEATS) * 1000:7.0f} ms   "
              f"(no child runs)")
        regions = kits.reference_regions()
        for section in SECTIONS:
            for probe in {c.probe for c in section.checks if c.probe}:
                expected(probe)
        parts = {s.name: median_seconds(lambda s=s: grade_section(s, regions, Limits()), repeats=5)
                 for s in SECTIONS}
        for name, seconds in parts.items():
            print(f"  section {name:19} {seconds * 1000:7.0f} ms")
        print(f"whole / sum of sections     {whole / sum(parts.values()):7.2f}")


if __name__ == "__main__":
    main()
