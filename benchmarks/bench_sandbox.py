"""What the sandbox costs: ``run_child`` against a plain ``subprocess.run`` of the same script.

A submission is graded by one child per section, so the figure that matters is the per-child cost, and
the wall time of 6 children on the machine's cores: a fresh sandboxed interpreter per child, and a child
forked by the grader's fork server (NumPy imported once per grader process).
"""

import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder.sandbox import Limits, SandboxError, isolation_mode, run_child
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


def sandboxed(scratch: Path, script: str, mode: str | None = None, fork_server_ok: bool = False) -> None:
    if mode is None:
        outcome = run_child(scratch, script, [], Limits(), fork_server_ok=fork_server_ok)
    else:
        outcome = launch(mode, scratch, [*PYTHON_FLAGS, str(scratch / script)], Limits(), describe)
    assert outcome.ok, outcome


def forked(scratch: Path, script: str) -> None:
    sandboxed(scratch, script, fork_server_ok=True)


def reduced(scratch: Path, script: str) -> str:
    """Mode "none", or why it cannot run here (as root its uid must reach the interpreter)."""
    try:
        return f"{median_seconds(lambda: sandboxed(scratch, script, 'none'), REPEATS) * 1e3:>7.1f} ms"
    except SandboxError:
        return f"{'n/a':>10}"


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
        print(f"{'child script':<14} {'subprocess':>11} {'fresh':>10} {'ratio':>6} {'forked':>10} {'ratio':>6}"
              f" {'mode none':>10}")
        for name in SCRIPTS:
            base = median_seconds(lambda: plain(scratch, f"{name}.py"), REPEATS)
            boxed = median_seconds(lambda: sandboxed(scratch, f"{name}.py"), REPEATS)
            served = median_seconds(lambda: forked(scratch, f"{name}.py"), REPEATS)
            print(f"{name:<14} {base * 1e3:>8.1f} ms {boxed * 1e3:>7.1f} ms {boxed / base:>5.2f}x"
                  f" {served * 1e3:>7.1f} ms {served / base:>5.2f}x {reduced(scratch, f'{name}.py')}")
        print(f"{'6 children importing numpy':<29} {'subprocess':>11} {'fresh':>10} {'ratio':>6} {'forked':>10}"
              f" {'ratio':>6}")
        for workers in (1, 2, 6):
            base = median_seconds(lambda: one_submission(scratches, workers, plain), repeats=5)
            boxed = median_seconds(lambda: one_submission(scratches, workers), repeats=5)
            served = median_seconds(lambda: one_submission(scratches, workers, forked), repeats=5)
            print(f"{workers} thread(s), per submission {base * 1e3:>8.0f} ms {boxed * 1e3:>7.0f} ms"
                  f" {boxed / base:>5.2f}x {served * 1e3:>7.0f} ms {served / base:>5.2f}x")


if __name__ == "__main__":
    main()
