"""What grading a class costs: ``grade_all`` on a class of reference submissions.

Prints the wall time and submissions per minute with one job and with one job per core, their ratio,
and the time of a second run that finds every student done (the cost of resuming: hashing the entries
and reading the reports back).
"""

import os
import tempfile
import time
from pathlib import Path

from rich.console import Console

from autograder.batch import grade_all
from make_submission import upload_name
from tests import kits

STUDENTS = 8


def _timed(folder, out, jobs):
    start = time.monotonic()
    result = grade_all(folder, out, jobs=jobs, console=Console(quiet=True))
    return time.monotonic() - start, result


def main():
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        for i in range(STUDENTS):
            top = folder / upload_name(f"s{i}", f"{i:04d}")
            top.mkdir(parents=True)
            kits.write_package(top, kits.reference_regions())
        cores = os.cpu_count() or 1
        serial, _ = _timed(folder, Path(tmp) / "out1", 1)
        parallel, _ = _timed(folder, Path(tmp) / "outN", cores)
        resumed, result = _timed(folder, Path(tmp) / "outN", cores)
        print(f"grade_all, {STUDENTS} students, -j 1      {serial:6.2f} s   {STUDENTS / serial * 60:6.1f} / min")
        print(f"grade_all, {STUDENTS} students, -j {cores:<3}    {parallel:6.2f} s   "
              f"{STUDENTS / parallel * 60:6.1f} / min   (speed-up {serial / parallel:.2f})")
        print(f"second run, all {result.reused} done        {resumed:6.2f} s")


if __name__ == "__main__":
    main()
