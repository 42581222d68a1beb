"""What the sandbox costs: ``run_child`` against a plain ``subprocess.run`` of the same script.

A submission is graded by 6 children (one per section), so the figure that matters is the per-child
overhead, and the wall time of 6 children on the machine's cores.
"""

import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder.sandbox import Limits, isolation_mode, run_child
from autograder.sandbox.isolation import describe
from autograder.sandbox.launch import PYTHON_FLAGS, child_env, launch
from benchmarks.timing import median_seconds

REPEATS = 20
SCRIPTS = {
    "pass": "pass\n",
    "import numpy": "import numpy\nnumpy.ones(3).sum()\n",
}


def plain(scratch: Path, script: str) -> None:
    subprocess.run([sys.executable, *PYTHON_FLAGS, str(scratch / script)], cwd=scratch,
                   env=child_env(scratch), stdin=subprocess.DEVNULL, capture_output=True, check=True)


def sandboxed(scratch: Path, script: str, mode: str | None = None) -> None:
    if mode is None:
        outcome = run_child(scratch, script, [], Limits())
    else:
        outcome = launch(mode, scratch, [*PYTHON_FLAGS, str(scratch / script)], Limits(), describe)
    assert outcome.ending == "ok", outcome


def one_submission(scratches: list[Path], workers: int, child=sandboxed) -> None:
    """6 children importing numpy, one per section, ``workers`` at a time."""
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda scratch: child(scratch, "import numpy.py"), scratches))


def main() -> None:
    mode = isolation_mode()
    print(f"isolation: {mode}; {os.cpu_count()} cores; median of {REPEATS} runs")
    with tempfile.TemporaryDirectory(prefix="nnhw-bench-") as root:
        scratches = []
        for index in range(6):
            scratch = Path(root) / f"section{index}"
            scratch.mkdir()
            for name, source in SCRIPTS.items():
                (scratch / f"{name}.py").write_text(source)
            scratches.append(scratch)
        scratch = scratches[0]
        print(f"{'child script':<14} {'subprocess':>11} {'run_child':>10} {'overhead':>9} {'ratio':>6}"
              f" {'mode none':>10}")
        for name in SCRIPTS:
            base = median_seconds(lambda: plain(scratch, f"{name}.py"), REPEATS)
            boxed = median_seconds(lambda: sandboxed(scratch, f"{name}.py"), REPEATS)
            unboxed = median_seconds(lambda: sandboxed(scratch, f"{name}.py", "none"), REPEATS)
            print(f"{name:<14} {base * 1e3:>8.1f} ms {boxed * 1e3:>7.1f} ms {(boxed - base) * 1e3:>6.1f} ms"
                  f" {boxed / base:>5.2f}x {unboxed * 1e3:>7.1f} ms")
        print(f"{'6 children importing numpy':<29} {'subprocess':>11} {'run_child':>10} {'ratio':>6}")
        for workers in (1, 2, 6):
            base = median_seconds(lambda: one_submission(scratches, workers, plain), repeats=5)
            boxed = median_seconds(lambda: one_submission(scratches, workers), repeats=5)
            print(f"{workers} thread(s), per submission {base * 1e3:>8.0f} ms {boxed * 1e3:>7.0f} ms"
                  f" {boxed / base:>5.2f}x")


if __name__ == "__main__":
    main()
