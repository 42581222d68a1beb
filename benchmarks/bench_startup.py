"""The grader's fixed cost: what a command pays before grading starts and after it ends.

Whole commands, run in turn with the baseline ``python -c "import numpy"`` so that a busy moment of the
machine weighs on all of them; each figure is a median with its spread ``[min-max]`` and a ratio to
that baseline:

* ``python -c "import autograder.cli"``: the command line's own imports;
* ``python -m autograder --help``: the parser, nothing else;
* the fork server ready: ``warm_up().join()`` (the sandbox's mode probe, then a server importing NumPy),
  and the server's stop at exit;
* ``python -m autograder grade <stubs>``: the whole command on the fresh handout, whose sections run no
  child: imports, loading, the fork server's start (which the exit waits for), the table, the exit.

Without a bytecode cache (``PYTHONDONTWRITEBYTECODE``, as in some containers) every module of the grader
is compiled again by every command; ``--cached-bytecode`` measures as a TA's machine runs, with a cache
in a temporary folder (``PYTHONPYCACHEPREFIX``), never in the repository.

``python -m benchmarks.bench_startup [--repeats 15] [--cached-bytecode]``
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from autograder.paths import HANDOUT_DIR
from benchmarks.bench_class import grade_command, side_by_side, spread
from benchmarks.timing import bytecode_cache

SERVER_READY = "from autograder.sandbox import warm_up; warm_up().join()"


def commands(stubs):
    python = sys.executable
    return {"python -c 'import numpy'": [python, "-c", "import numpy"],
            "python -c 'import autograder.cli'": [python, "-c", "import autograder.cli"],
            "python -m autograder --help": [python, "-m", "autograder", "--help"],
            "fork server ready (warm_up().join())": [python, "-c", SERVER_READY],
            "python -m autograder grade <stubs>": grade_command(stubs)}


def main(argv=None):
    args = build_parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nnhw-bench-startup-") as tmp, bytecode_cache(args.cached_bytecode):
        stubs = Path(tmp) / "hw1_student"
        shutil.copytree(HANDOUT_DIR, stubs, ignore=shutil.ignore_patterns("__pycache__"))
        cached = not os.environ.get("PYTHONDONTWRITEBYTECODE")
        print(f"whole commands: median [min-max] of {args.repeats}, run in turn; bytecode cache "
              f"{'on' if cached else 'off (PYTHONDONTWRITEBYTECODE): every module is compiled at each start'}")
        times = side_by_side(commands(stubs), args.repeats)
        baseline = statistics.median(times["python -c 'import numpy'"])
        for name, seconds in times.items():
            print(f"{name:38} {spread(seconds)}   {statistics.median(seconds) / baseline:.2f}x numpy")


def build_parser():
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_startup", description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=15, help="runs of each whole command (default 15)")
    p.add_argument("--cached-bytecode", action="store_true",
                   help="run the commands with a bytecode cache (in a temporary folder) rather than as the "
                        "environment says")
    return p


if __name__ == "__main__":
    main()
