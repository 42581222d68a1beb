"""What grading costs: one submission end to end, and where the time goes.

Prints the median wall time of ``grade()`` for the reference solution, the grader's own CPU time per
grade, for the fresh stubs (whose sections are not run at all), the time of one section, and the ratio of
the whole to the sum of its sections (below 1 when sections overlap on the machine's cores).
"""

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from autograder.grade import Clock, grade, grade_section
from autograder.paths import HANDOUT_DIR
from autograder.rubric import SECTIONS
from autograder.sandbox import Limits
from tests import kits

REPEATS = 10


def median_seconds(function, repeats=REPEATS):
    """Median wall seconds of ``function()`` over ``repeats`` calls, after one warm-up call (the page cache,
    the reference's expected arrays and the fork server are long warm in a real run)."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
        whole = median_seconds(lambda: grade(reference))
        print(f"grade(reference)            {whole * 1000:7.0f} ms   (median of {REPEATS}; {len(SECTIONS)} "
              f"sections, forked by the fork server)")
        user, system = grader_cpu(lambda: grade(reference), REPEATS)
        print(f"  the grader's own CPU      {(user + system) * 1000:7.0f} ms   (user {user * 1000:.0f}, system "
              f"{system * 1000:.0f}; all its threads, a grade on average: the children's is not in it)")
        print(f"grade(fresh stubs)          {median_seconds(lambda: grade(stubs)) * 1000:7.0f} ms   "
              f"(no child runs)")
        regions = kits.reference_regions()
        parts = {s.name: median_seconds(lambda s=s: grade_section(s, regions, Clock(Limits.timeout, Limits())),
                                        repeats=5) for s in SECTIONS}
        for name, seconds in parts.items():
            print(f"  section {name:19} {seconds * 1000:7.0f} ms")
        print(f"whole / sum of sections     {whole / sum(parts.values()):7.2f}")


if __name__ == "__main__":
    main()
