"""Hostile submissions gain nothing, never stop the grader, leave no process and end within limits."""

import os
import time
from pathlib import Path

import pytest

from autograder.grade import grade
from autograder.sandbox import UID_BASE, scratch_root
from autograder.sandbox.outcome import TIMED_OUT, Ending
from autograder.report import PASSED
from tests import kits
from tests.hostile import NAMES, _both, _lines, hostile_texts

TIMEOUT = 1.0          # what a hang or a bomb waits for; a section of the reference takes a tenth of it
# Six sections graded two at a time, one of which may run into the timeout; generous for a busy machine.
DEADLINE = TIMEOUT + 20.0


def _sandbox_processes(scratch_root):
    """PIDs of this test's graded children: their command line names a scratch folder under
    ``scratch_root`` (a fork keeps its parent's command line), or they run as a sandbox uid in it.

    Scoped to the test's own folder: another grader on the machine is none of this test's business.
    """
    found, marker = [], str(scratch_root).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            uid = int((entry / "status").read_text().split("\nUid:")[1].split()[0])
            cmdline = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd").encode() if uid >= UID_BASE else b""
        except (OSError, IndexError, ValueError):
            continue                                    # gone meanwhile
        if marker in cmdline or marker in cwd:
            found.append(int(entry.name))
    return found


def _fork_server_runs():
    """PIDs of the runs the grader's fork server forked that are still there: a run forked by it keeps
    its command line, which names no scratch folder."""
    from autograder.sandbox.forking import fork_server
    server = fork_server()
    if not server.alive():
        return []
    children = []
    for task in Path(f"/proc/{server.pid}/task").iterdir():
        try:
            children += [int(pid) for pid in (task / "children").read_text().split()]
        except OSError:
            continue
    return children


_GRADED = {}


def graded(name, tmp_path):
    """(report, seconds) of grading the hostile submission ``name``, once per module: the tests after the
    first of a name read what it graded."""
    if name not in _GRADED:
        texts = kits.reference_regions()
        texts.update(hostile_texts(name))
        package = kits.write_package(tmp_path, texts)
        start = time.monotonic()
        report = grade(package, timeout=TIMEOUT)
        _GRADED[name] = report, time.monotonic() - start
    return _GRADED[name]


@pytest.mark.parametrize("name", NAMES)
def test_hostile_submission_gains_nothing_and_leaves_nothing(name, tmp_path):
    root = Path(scratch_root())                 # this process's: where grade() makes its scratch folders
    report, took = graded(name, tmp_path)
    relu = next(s for s in report.sections if s.name == "ReLU")
    assert relu.points == 0.0, f"{name}: ReLU scored {relu.points}: " + \
        "; ".join(f"{c.name}: {c.status}" for c in relu.checks if c.status == PASSED)
    assert report.score == 8.0, f"{name}: total {report.score}; the other sections must keep their 8 points"
    assert took < DEADLINE, f"{name}: grading took {took:.1f} s with a {TIMEOUT} s timeout"
    deadline = time.monotonic() + 2.0
    while (_sandbox_processes(root) or _fork_server_runs()) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _sandbox_processes(root) + _fork_server_runs()
    assert not left, f"{name}: processes left behind: {left}"
    assert list(root.iterdir()) == [], f"{name}: files left behind in {root}: {list(root.iterdir())}"


def test_hostile_endings_are_reported_by_name(tmp_path):
    relu = next(s for s in graded("infinite loop", tmp_path)[0].sections if s.name == "ReLU")
    assert relu.child == Ending(TIMED_OUT, seconds=TIMEOUT), f"the child's ending is named: {relu.child!r}"
    assert any(c.status == relu.child for c in relu.checks), \
        f"the checks say the section timed out: {[c.status for c in relu.checks]}"


# --- the fork server: a hostile section, then the next one on the same server --------------------------------

POLLUTING = _lines(
    "import os, signal, sys, builtins",
    "for target in (os.getppid(), 1, -1):",
    "    for number in (signal.SIGTERM, signal.SIGKILL):",
    "        try:",
    "            os.kill(target, number)",
    "        except OSError:",
    "            pass",
    "for path in ('/tmp/left.py', os.path.join(os.path.dirname(os.getcwd()), 'left.py'), 'hw1_student/left.py',",
    "             os.path.join(os.path.dirname(np.__file__), 'left.py')):",
    "    try:",
    "        open(path, 'w').write('np = None')",
    "    except OSError:",
    "        pass",
    "os.environ['OPENBLAS_NUM_THREADS'] = '64'",
    "os.environ['PYTHONPATH'] = '/tmp'",
    "np.allclose = lambda *a, **k: True",
    "np.maximum = lambda a, b: a * 0",
    "np.sum = lambda *a, **k: 0.0",
    "builtins.abs = lambda x: 0",
    "sys.modules['numpy.linalg'] = None",
    "np.random.seed(0)")


def test_a_polluting_section_leaves_the_next_grading_as_on_a_fresh_interpreter(tmp_path, monkeypatch):
    """Through the fork server, a section that signals its parent and PID 1, writes into shared folders,
    sets the environment and monkeypatches NumPy changes nothing for the sections and submissions after it:
    the reference is then graded exactly as with a fresh interpreter per section."""
    from functools import partial

    from autograder import grade as grading
    from autograder.runs import run_child
    from autograder.sandbox.forking import fork_server

    texts = kits.reference_regions()
    texts.update(_both(POLLUTING))
    hostile = grade(kits.write_package(tmp_path / "hostile", texts), timeout=TIMEOUT)
    relu = next(s for s in hostile.sections if s.name == "ReLU")
    assert relu.points == 0.0 and hostile.score == 8.0, \
        f"the polluter: ReLU {relu.points}, total {hostile.score} ({relu.child})"
    server = fork_server()
    if server.pid is None:
        pytest.skip("this sandbox mode runs every section fresh: there is no fork server to pollute")
    pid, starts = server.pid, server.starts
    reference = kits.write_package(tmp_path / "reference", kits.reference_regions())
    served = grade(reference, timeout=TIMEOUT)
    assert (server.pid, server.starts, server.alive()) == (pid, starts, True), \
        f"the fork server died or was restarted by the polluter: {server!r}, was pid {pid}"
    monkeypatch.setattr(grading, "run_child", partial(run_child, fork_server_ok=False))
    fresh = grade(reference, timeout=TIMEOUT)
    assert served.score == fresh.score == 10.0, f"the reference: {served.score} served, {fresh.score} fresh"
    for a, b in zip(served.sections, fresh.sections):
        assert a == b, f"{a.name} graded differently after the polluter than fresh:\n{a}\n{b}"
    assert served.notices == fresh.notices, f"notices differ: {served.notices} / {fresh.notices}"
