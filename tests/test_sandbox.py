"""The sandbox against one hostile child per behaviour, and ``read_results`` against forged files.

Each child script is written into a fresh scratch directory; after every run, /proc must hold no process
of that run (its command line names the scratch directory, and as root its uid is the run's own; a run
forked by the fork server leaves the server without children). Every test of a run runs twice: through the
grader's fork server and as a fresh interpreter; a test that runs no child, or whose runs go through the same
code on both paths, runs once.
"""

import ctypes
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from autograder import REPO_ROOT
from autograder import sandbox
from autograder.sandbox import ChildOutcome, Limits, isolation_mode, read_results, scratch_root
from autograder.sandbox.forking import ForkServer, fork_server
from autograder.sandbox.outcome import (CPU_TIME, EXITED, FILE_SIZE, MEMORY, NO_REPORT, OK, PROCESSES, SIGNAL,
                                        TIMED_OUT, Ending)
from autograder.sandbox.launch import UID_BASE, launch
from autograder.sandbox.layout import python_dirs

FAST = Limits(timeout=2.0)
HANG = Limits(timeout=1.0)     # for a child that runs into its timeout
namespaces_only = pytest.mark.skipif(isolation_mode() == "none", reason="needs namespaces")
root_only = pytest.mark.skipif(isolation_mode() != "root", reason="needs the root sandbox")
run_child = sandbox.run_child


FINISHED = Ending(OK, code=0)
TIMED_OUT_1 = Ending(TIMED_OUT, seconds=1.0)


@pytest.fixture(autouse=True, params=["fork server", "fresh"])
def launch_kind(request, monkeypatch):
    """Every ``run_child`` of this module, once through the fork server and once fresh."""
    monkeypatch.setitem(globals(), "run_child",
                        partial(sandbox.run_child, fork_server_ok=request.param == "fork server"))
    return request.param


once = pytest.mark.parametrize("launch_kind", ["once"], indirect=True)      # no run, or one path is enough


def in_memory(path) -> bool:
    """Whether ``path`` is on a tmpfs or ramfs: the type of the longest mount point above it."""
    path, best, kind = os.path.realpath(path), "", ""
    for line in Path("/proc/self/mounts").read_text().splitlines():
        _, point, fstype = line.split()[:3]
        if (path == point or path.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, kind = point, fstype
    return kind in ("tmpfs", "ramfs")


def processes_of(scratch: Path, uid: int | None = None) -> list[str]:
    """Every process on the machine of the run in ``scratch`` or ``uid``: launcher, supervisor, child and
    its descendants, zombies included."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            owner = int(Path(f"/proc/{pid}/status").read_text().split("\nUid:")[1].split()[0])
        except (OSError, IndexError, ValueError):
            continue
        marker = os.fsencode(str(scratch))       # the launcher has it too, hex-encoded in its config
        if marker in cmdline or marker.hex().encode() in cmdline or owner == uid:
            command = cmdline.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{pid}: uid {owner}: {command}")
    return found


def run_uid(outcome: ChildOutcome) -> int | None:
    """The run's own uid, in the root sandbox."""
    match = re.search(r"\buid (\d+) \(its own\)", outcome.isolation)
    return int(match.group(1)) if match else None


def children_of(pid: int) -> list[str]:
    children = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            children += Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        except OSError:
            pass                                 # a thread that ended meanwhile
    return children


def own_children() -> list[str]:
    """The grader's children, but fork servers (this process's, and a test's own), which live on."""
    def is_fork_server(pid: str) -> bool:
        try:
            return b"zygote.py" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return True                          # gone meanwhile: not left behind
    return [pid for pid in children_of(os.getpid()) if not is_fork_server(pid)]


def fork_server_children() -> list[str]:
    """The runs the fork server forked that are still there (launchers, supervisors, students)."""
    server = fork_server()
    return children_of(server.pid) if server.alive() else []


def run(tmp_path: Path, source: str, limits: Limits = FAST, args=(), **options) -> ChildOutcome:
    """Run ``source`` as the child (``options``: ``run_child``'s); check that the run left nothing behind."""
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    (scratch / "child.py").write_text(textwrap.dedent(source))
    outcome = run_child(scratch, "child.py", list(args), limits, **options)
    uid = run_uid(outcome)
    deadline = time.monotonic() + 0.5            # mode "none" cleans up asynchronously at worst
    while (processes_of(scratch, uid) or fork_server_children()) and time.monotonic() < deadline:
        time.sleep(0.02)
    left = processes_of(scratch, uid)
    assert left == [], f"processes left behind after {outcome.ending!r}: {left}"
    assert own_children() == [], f"the grader has children left: {own_children()}"
    assert fork_server_children() == [], f"the fork server has runs left: {fork_server_children()}"
    return outcome


# --- normal runs ---------------------------------------------------------------------------------------

def test_normal_child_is_ok_and_its_results_are_read(tmp_path):
    outcome = run(tmp_path, """
        import sys, numpy as np
        print("hello", sys.argv[1:])
        np.savez("out/probe.npz", y=np.arange(6.0).reshape(2, 3), n=np.int64(3))
    """, args=["relu", 7])
    assert outcome.ending == FINISHED, f"a normal child should end ok, got {outcome.ending!r}: {outcome.output}"
    assert "hello ['relu', '7']" in outcome.output, f"output not captured: {outcome.output!r}"
    results = read_results(tmp_path / "scratch" / "out")
    np.testing.assert_array_equal(results["probe"]["y"], np.arange(6.0).reshape(2, 3), err_msg="probe.y")
    assert results["probe"]["n"] == 3, f"probe.n: {results['probe']}"
    assert 0 < outcome.elapsed < 2, f"elapsed {outcome.elapsed}"


def test_environment_is_scrubbed_and_blas_single_threaded(tmp_path, monkeypatch):
    monkeypatch.setenv("NNHW_SECRET", "do not leak")
    outcome = run(tmp_path, """
        import os, sys, numpy as np
        a = np.ones((300, 300)); a @ a
        threads = open("/proc/self/status").read().split("Threads:")[1].split()[0]
        print("ENV", sorted(os.environ.items()))
        print("CWD", os.getcwd())
        print("STDIN", os.path.realpath("/proc/self/fd/0"), repr(sys.stdin.read()))
        print("THREADS", threads)
        print("HASH", hash("abc"))
        fds = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))     # the last one is listdir's own
        print("FDS", fds[:3], len(fds))
    """)
    scratch = str(tmp_path / "scratch")
    expected = sorted({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": scratch, "LANG": "C.UTF-8",
                       "LC_ALL": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                       "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
                       "MPLBACKEND": "Agg", "TMPDIR": f"{scratch}/tmp"}.items())
    assert f"ENV {expected}" in outcome.output, f"environment not scrubbed: {outcome.output}"
    assert f"CWD {scratch}\n" in outcome.output, f"cwd is not scratch: {outcome.output}"
    assert "STDIN /dev/null ''" in outcome.output, f"stdin is not /dev/null: {outcome.output}"
    assert "THREADS 1\n" in outcome.output, f"more than one thread after a matmul: {outcome.output}"
    hash_zero = subprocess.run([sys.executable, "-c", "print(hash('abc'))"], env={"PYTHONHASHSEED": "0"},
                               capture_output=True, text=True).stdout.strip()
    assert f"HASH {hash_zero}\n" in outcome.output, f"PYTHONHASHSEED=0 not in force: {outcome.output}"
    assert "FDS [0, 1, 2] 4\n" in outcome.output, f"the child holds more than stdin/out/err: {outcome.output}"


@root_only
def test_child_has_no_privileges_no_network_and_its_own_pid_namespace(tmp_path):
    outcome = run(tmp_path, """
        import os, socket
        status = open("/proc/self/status").read()
        for line in status.splitlines():
            if line.split(":")[0] in ("Uid", "Gid", "Groups", "CapPrm", "CapEff", "CapBnd", "CapAmb",
                                      "NoNewPrivs"):
                print(line.replace("\\t", " "))
        print("PIDS", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
        try:
            socket.create_connection(("1.1.1.1", 80), timeout=1)
            print("NETWORK reachable")
        except OSError as error:
            print("NETWORK", error)
    """)
    lines = outcome.output.splitlines()
    uid_line = next(line for line in lines if line.startswith("Uid"))
    assert int(uid_line.split()[1]) >= UID_BASE, f"child is not an unprivileged uid: {uid_line}"
    assert len(set(uid_line.split()[1:])) == 1, f"real/effective/saved uids differ: {uid_line}"
    for cap in ("CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert f"{cap}: 0000000000000000" in lines, f"{cap} not empty: {outcome.output}"
    assert "NoNewPrivs: 1" in lines, f"no_new_privs not set: {outcome.output}"
    assert ["Groups:"] in [line.split() for line in lines], f"supplementary groups kept: {outcome.output}"
    assert "PIDS [2]" in lines, f"the child sees processes besides itself: {outcome.output}"
    assert "NETWORK reachable" not in outcome.output, f"the child has network: {outcome.output}"
    assert f"uid {uid_line.split()[1]}" in outcome.isolation, f"isolation {outcome.isolation!r}"


@namespaces_only
def test_child_cannot_read_the_repository(tmp_path):
    secret = REPO_ROOT / "autograder" / "reference" / "activations.py"
    assert secret.is_file(), f"the test expects {secret} to exist"
    targets = [secret, REPO_ROOT / "autograder", REPO_ROOT / "tests", REPO_ROOT / ".git", REPO_ROOT,
               Path("/root"), Path(__file__)]
    outcome = run(tmp_path, """
        import os, sys
        for path in sys.argv[1:]:
            try:
                if os.path.isdir(path):
                    print("LISTED", path, sorted(os.listdir(path)))
                else:
                    print("READ", path, len(open(path).read()))
            except OSError as error:
                print("DENIED", path, type(error).__name__)
    """, args=[str(path) for path in targets])
    assert f"DENIED {secret}" in outcome.output, f"the reference solution is readable: {outcome.output}"
    for path in (REPO_ROOT / "autograder", REPO_ROOT / "tests", REPO_ROOT / ".git", Path(__file__)):
        assert f"LISTED {path}" not in outcome.output and f"READ {path}" not in outcome.output, \
            f"{path} is visible: {outcome.output}"
    assert f"LISTED {REPO_ROOT} ['.venv']" in outcome.output, \
        f"the repository shows more than its venv: {outcome.output}"
    if Path(sys.base_prefix).is_relative_to("/root"):
        shown = [Path(sys.base_prefix).relative_to("/root").parts[0]]
        assert f"LISTED /root {shown}" in outcome.output, \
            f"/root shows more than the interpreter: {outcome.output}"
    else:
        assert "DENIED /root" in outcome.output, f"/root is visible: {outcome.output}"


@namespaces_only
def test_repository_stays_hidden_when_a_bind_exposes_it(tmp_path, monkeypatch):
    """Say Python lived in a directory that exposes the repository: everything but the venv is covered."""
    from autograder.sandbox import layout

    # The checkout itself, not its parent: a bind keeps a folder's mode, and a parent made by
    # `mktemp -d` (0700) would hide the venv from the child as well.
    exposing = [(str(REPO_ROOT), str(REPO_ROOT))]
    monkeypatch.setattr(layout, "python_dirs", lambda: (*exposing, *python_dirs()))
    layout.base_layout.cache_clear()
    try:
        outcome = run(tmp_path, private=[REPO_ROOT], source="""
            import os, sys
            print("TOP", sorted(os.listdir(sys.argv[1])))
            for name in ("autograder", "tests", ".git", "pyproject.toml"):
                path = os.path.join(sys.argv[1], name)
                try:
                    print("READ", name, os.listdir(path) if os.path.isdir(path) else open(path).read())
                except OSError as error:
                    print("DENIED", name, type(error).__name__)
            import numpy
            print("NUMPY OK")
        """, args=[str(REPO_ROOT)])
    finally:
        monkeypatch.undo()
        layout.base_layout.cache_clear()
    assert ".venv" in outcome.output and "NUMPY OK" in outcome.output, f"the venv was hidden: {outcome.output}"
    for name in ("autograder", "tests", ".git", "pyproject.toml"):
        assert f"DENIED {name} PermissionError" in outcome.output, f"{name} is not covered: {outcome.output}"


@namespaces_only
def test_child_cannot_write_outside_scratch(tmp_path):
    site = Path(np.__file__).parent.parent
    targets = [REPO_ROOT / "pwned.txt", site / "pwned.py", Path(sys.base_prefix) / "pwned.txt",
               Path("/usr/pwned.txt"), Path("/etc/pwned.txt"), Path("/pwned.txt"), Path(np.__file__)]
    outcome = run(tmp_path, """
        import sys
        for path in sys.argv[1:]:
            try:
                with open(path, "a") as stream:
                    stream.write("pwned")
                print("WROTE", path)
            except OSError as error:
                print("DENIED", path, type(error).__name__)
        open("out/in_scratch.txt", "w").write("fine")
        open("/tmp/private.txt", "w").write("fine")
        print("SCRATCH AND TMP OK")
    """, args=[str(path) for path in targets])
    for path in targets:
        assert f"WROTE {path}" not in outcome.output, f"the child wrote {path}: {outcome.output}"
    for path in targets[:-1]:
        assert not path.exists(), f"{path} appeared on the host"
    assert "pwned" not in Path(np.__file__).read_text()[-100:], "numpy was modified"
    assert "SCRATCH AND TMP OK" in outcome.output, f"scratch or /tmp not writable: {outcome.output}"
    assert (tmp_path / "scratch" / "out" / "in_scratch.txt").read_text() == "fine", "scratch write lost"
    assert not Path("/tmp/private.txt").exists(), "the child's /tmp is the host's /tmp"


# --- how a child ends ------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, ending", [
    ("import sys; sys.exit(3)", Ending(EXITED, code=3)),
    ("import os; os._exit(0)", FINISHED),
    ("raise KeyboardInterrupt", Ending(SIGNAL, signal=signal.SIGINT)),
    ("def f(n): return f(n + 1)\nf(0)", Ending(EXITED, code=1, exception="RecursionError")),
    ("import ctypes; ctypes.string_at(0)", Ending(SIGNAL, signal=signal.SIGSEGV)),
    ("import os; os.killpg(0, 9)", Ending(SIGNAL, signal=signal.SIGKILL)),
], ids=["sys.exit(3)", "os._exit(0)", "KeyboardInterrupt", "RecursionError", "segfault", "killpg"])
def test_ending_is_named(tmp_path, source, ending):
    outcome = run(tmp_path, source)
    assert outcome.ending == ending, f"expected {ending!r}, got {outcome.ending!r}: {outcome.output[-500:]}"


def test_child_that_kills_its_parent_costs_only_its_run(tmp_path):
    outcome = run(tmp_path, """
        import os, signal
        print("PARENT", os.getppid(), flush=True)
        os.kill(os.getppid(), signal.SIGKILL)
        print("PARENT SURVIVED")
    """)
    assert f"PARENT {os.getpid()}\n" not in outcome.output, f"the child's parent is the grader: {outcome.output}"
    after = run(tmp_path, "print('the next run')")
    assert after.ending == FINISHED and "the next run" in after.output, f"the run after it: {after}"
    if isolation_mode() != "none":
        assert outcome.ending in (FINISHED, Ending(EXITED, code=1, exception="PermissionError")), \
            f"killing PID 1 of the namespace must fail or be ignored: {outcome.ending!r} {outcome.output}"


@namespaces_only
def test_child_that_kills_everything_it_can_reach_costs_only_its_run(tmp_path):
    outcome = run(tmp_path, """
        import os, signal
        try:
            os.kill(-1, signal.SIGKILL)     # all but PID 1 and itself: there are none
        except OSError:
            pass
        for pid in range(1, 1 << 16):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    """)
    assert outcome.ending == Ending(SIGNAL, signal=signal.SIGKILL), f"got {outcome.ending!r}: {outcome.output}"


def test_timeout_kills_the_child(tmp_path):
    outcome = run(tmp_path, "while True:\n    pass", HANG)
    assert outcome.ending == TIMED_OUT_1, f"got {outcome.ending!r}"
    assert 1 <= outcome.elapsed < 2.5, f"elapsed {outcome.elapsed:.2f} s for a 1 s timeout"


def test_grandchildren_are_killed_at_the_timeout(tmp_path):
    outcome = run(tmp_path, """
        import os, time
        for _ in range(3):
            if os.fork() == 0:              # double fork + setsid: a daemon, orphaned at once
                os.setsid()
                if os.fork() == 0:
                    time.sleep(1000)
                os._exit(0)
        if os.fork() == 0:
            time.sleep(1000)
        time.sleep(1000)
    """, HANG)
    assert outcome.ending == TIMED_OUT_1, f"got {outcome.ending!r}: {outcome.output}"


def test_grandchildren_are_killed_when_the_child_exits(tmp_path):
    outcome = run(tmp_path, """
        import os, time
        for _ in range(3):
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(1000)
                os._exit(0)
        print("parent leaves")
    """)
    assert outcome.ending == FINISHED, f"got {outcome.ending!r}: {outcome.output}"
    assert outcome.elapsed < 1.5, f"the grader waited for the daemons: {outcome.elapsed:.2f} s"


def test_fork_bomb_is_contained(tmp_path):
    outcome = run(tmp_path, """
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """, HANG)
    assert outcome.ending == TIMED_OUT_1, f"got {outcome.ending!r}: {outcome.output[-300:]}"
    assert outcome.elapsed < 2.5, f"elapsed {outcome.elapsed:.2f} s"


def test_process_limit(tmp_path):
    outcome = run(tmp_path, """
        import os, time
        for _ in range(20):
            if os.fork() == 0:
                time.sleep(1000)
    """, Limits(timeout=5.0, processes=4))
    assert outcome.ending.kind == PROCESSES, f"got {outcome.ending!r}: {outcome.output[-300:]}"


def test_memory_bomb_is_stopped(tmp_path):
    outcome = run(tmp_path, """
        import numpy as np
        blocks = [np.ones(2**27) for _ in range(1000)]     # 1 GiB each
    """, Limits(timeout=5.0, memory=1 * 2**30))
    assert outcome.ending.kind == MEMORY, f"got {outcome.ending!r}: {outcome.output[-300:]}"


def test_memory_bomb_across_processes_is_stopped(tmp_path):
    outcome = run(tmp_path, """
        import os, time
        for _ in range(6):                  # each under the per-process limit, together above it
            if os.fork() == 0:
                block = bytearray(600 * 2**20)
                time.sleep(1000)
        time.sleep(1000)
    """, Limits(timeout=10.0, memory=1 * 2**30))
    assert outcome.ending.kind == MEMORY, f"got {outcome.ending!r}: {outcome.output[-300:]}"
    assert outcome.elapsed < 5, f"the memory watchdog took {outcome.elapsed:.2f} s"


in_memory_scratch = pytest.mark.skipif(not in_memory(scratch_root()), reason="no tmpfs with room for scratch here")


@pytest.fixture
def memory_scratch():
    """A folder where the grader makes its scratch folders when they can live in memory."""
    folder = Path(tempfile.mkdtemp(prefix="nnhw-test-", dir=scratch_root()))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@in_memory_scratch
def test_files_in_a_scratch_folder_in_memory_count_as_the_runs_memory(memory_scratch):
    outcome = run(memory_scratch, """
        import time
        chunk = b"x" * (32 * 2**20)
        try:
            for i in range(64):         # 2 GiB of files, each under the file-size limit, in no process's memory
                with open(f"f{i}", "wb") as f:
                    f.write(chunk)
        except OSError:                 # the run's scratch tmpfs is full: it holds no more than the limit
            pass
        time.sleep(1000)
    """, Limits(timeout=10.0, memory=1 * 2**30))
    assert outcome.ending.kind == MEMORY, f"got {outcome.ending!r}: {outcome.output[-300:]}"
    assert outcome.elapsed < 5, f"the memory watchdog took {outcome.elapsed:.2f} s"


@in_memory_scratch
def test_a_scratch_folder_in_memory_with_too_many_entries_is_stopped(memory_scratch):
    """Empty files cost the tmpfs memory too, and the supervisor's walk of the folder must stay cheap."""
    outcome = run(memory_scratch, """
        import os, time
        for i in range(30_000):
            open(f"e{i}", "w").close()
        time.sleep(1000)
    """, Limits(timeout=10.0))
    assert outcome.ending.kind == MEMORY, f"got {outcome.ending!r}: {outcome.output[-300:]}"


@once
def test_scratch_folders_go_in_memory_only_where_the_ta_left_tmpdir_alone(monkeypatch, tmp_path):
    root = scratch_root()
    shm = os.statvfs("/dev/shm")
    usable = in_memory("/dev/shm") and shm.f_bavail * shm.f_frsize >= 4 * 2**30 and not os.environ.get("TMPDIR")
    assert in_memory(root) == usable, f"{root} was chosen for scratch folders (/dev/shm usable: {usable})"
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)      # tempfile reads TMPDIR again
    scratch_root.cache_clear()
    try:
        assert Path(scratch_root()).parent == tmp_path, "a TMPDIR set by the TA must be where scratch folders go"
    finally:
        monkeypatch.undo()
        scratch_root.cache_clear()


def test_a_few_hundred_mb_of_arrays_fit_the_default_memory(tmp_path):
    outcome = run(tmp_path, """
        import numpy as np
        a, b, c = (np.ones((4000, 4000)) for _ in range(3))      # 128 MB each
        print(float((a * b + c).sum()), float((a[:500] @ b[:, :500]).sum()))
    """, Limits(timeout=20.0))
    assert outcome.ending == FINISHED, f"got {outcome.ending!r}: {outcome.output[-300:]}"


def test_cpu_limit(tmp_path):
    outcome = run(tmp_path, "while True:\n    pass", Limits(timeout=5.0, cpu=1))
    assert outcome.ending.kind == CPU_TIME, f"got {outcome.ending!r}: {outcome.output[-300:]}"
    assert outcome.elapsed < 4.5, f"elapsed {outcome.elapsed:.2f} s for 1 s of CPU (5 s timeout)"


def test_file_size_limit(tmp_path):
    outcome = run(tmp_path, """
        with open("out/big.bin", "wb") as stream:
            stream.write(b"x" * 2**21)
    """, Limits(timeout=5.0, file_size=2**20))
    assert outcome.ending.kind == FILE_SIZE, f"got {outcome.ending!r}: {outcome.output[-300:]}"
    assert (tmp_path / "scratch" / "out" / "big.bin").stat().st_size <= 2**20, "the file outgrew the limit"


def test_output_is_capped(tmp_path):
    outcome = run(tmp_path, """
        import sys
        print("FIRST LINE")
        sys.stdout.write("x" * 10**6)
        sys.stderr.write("\\nLAST LINE\\n")
    """, Limits(timeout=5.0, output=4096))
    assert len(outcome.output.encode()) < 4096 + 100, f"output not capped: {len(outcome.output)} chars"
    assert outcome.output.startswith("FIRST LINE"), f"head lost: {outcome.output[:50]!r}"
    assert outcome.output.rstrip().endswith("LAST LINE"), f"tail (stderr) lost: {outcome.output[-50:]!r}"
    assert f"[... {10**6 + 22 - 4096} bytes of output cut ...]" in outcome.output, \
        f"no note of the cut: {outcome.output[2000:2100]!r}"


@once          # the grader reads the output pipe, and the child writes to it, alike on both paths
def test_gigabytes_of_output_cost_only_the_run(tmp_path):
    outcome = run(tmp_path, """
        import os
        chunk = b"y" * 2**20
        for _ in range(2048):
            os.write(1, chunk)
    """, Limits(timeout=20.0))
    assert outcome.ending == FINISHED, f"got {outcome.ending!r}"
    assert len(outcome.output) <= Limits().output + 100, f"output not capped: {len(outcome.output)}"
    assert f"[... {2**31 - Limits().output} bytes of output cut ...]" in outcome.output, "cut not counted"


@namespaces_only
def test_parallel_runs_are_independent(tmp_path):
    """A fork bomb in one section must not stop the others, run at the same time, from starting."""
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    sources = [bomb] + ["import numpy, sys; print('fine', sys.argv[1])"] * 5
    outcomes: dict[int, ChildOutcome] = {}

    def section(index: int) -> None:
        scratch = tmp_path / f"section{index}"
        scratch.mkdir()
        (scratch / "child.py").write_text(sources[index])
        outcomes[index] = run_child(scratch, "child.py", [str(index)], Limits(timeout=1.0 if index == 0 else 3.0))

    threads = [threading.Thread(target=section, args=(index,)) for index in range(len(sources))]
    for thread in threads:
        thread.start()
        time.sleep(0.05 if thread is threads[0] else 0)    # the bomb goes off first
    for thread in threads:
        thread.join()
    assert outcomes[0].ending == TIMED_OUT_1, f"fork bomb: {outcomes[0].ending!r}"
    for index in range(1, len(sources)):
        assert outcomes[index].ending == FINISHED, \
            f"section {index}: {outcomes[index].ending!r} {outcomes[index].output}"
        assert f"fine {index}" in outcomes[index].output, f"section {index}: {outcomes[index].output!r}"
    for index in range(len(sources)):
        left = processes_of(tmp_path / f"section{index}", run_uid(outcomes[index]))
        assert left == [], f"section {index} left processes: {left}"


@pytest.fixture
def open_scratch():
    """A scratch folder in the system's temp folder: as root, the reduced mode's child runs as a uid of
    its own and reaches scratch through the host's folders (pytest's tmp_path is under a 0700 one)."""
    scratch = Path(tempfile.mkdtemp(prefix="nnhw-reduced-"))
    yield scratch
    shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() == 0, reason="as root, the reduced mode's child runs as a uid of its own, "
                    "which must reach the interpreter: test_reduced_mode_as_root_... covers it")
@once                  # fresh: the fork server is never used in this mode
def test_reduced_mode_still_limits_and_cleans_up(open_scratch):
    scratch = open_scratch
    (scratch / "child.py").write_text(textwrap.dedent("""
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(1000)
            os._exit(0)
        print("parent leaves")
    """))
    (scratch / "out").mkdir()
    outcome = launch("none", scratch, [str(scratch / "child.py")], FAST)
    assert outcome.ending == FINISHED, f"got {outcome.ending!r}: {outcome.output}"
    assert outcome.isolation.startswith("reduced:"), f"isolation {outcome.isolation!r}"
    assert processes_of(scratch) == [], f"reduced mode left processes: {processes_of(scratch)}"
    (scratch / "child.py").write_text("while True:\n    pass")
    outcome = launch("none", scratch, [str(scratch / "child.py")], HANG)
    assert outcome.ending == TIMED_OUT_1, f"got {outcome.ending!r}"
    assert processes_of(scratch) == [], f"reduced mode left processes: {processes_of(scratch)}"
    # Without namespaces the child can kill its launcher; the grader still cleans up its session.
    (scratch / "child.py").write_text("import os, time\nos.kill(os.getppid(), 9)\ntime.sleep(1000)")
    outcome = launch("none", scratch, [str(scratch / "child.py")], FAST)
    assert outcome.ending.kind == NO_REPORT, f"got {outcome.ending!r}"
    assert outcome.elapsed < 1.5, f"the grader waited {outcome.elapsed:.2f} s for an orphan"
    deadline = time.monotonic() + 0.5
    while processes_of(scratch) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert processes_of(scratch) == [], f"reduced mode left processes: {processes_of(scratch)}"


# --- the syscall filter, and what a run leaves ------------------------------------------------------------

@pytest.fixture
def listener():
    """A TCP listener on the host's loopback, in this process: the port."""
    import socket
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


# Attempts at what a NumPy homework never needs; each prints its name and the errno it met, or ALLOWED.
ESCAPES = """
    import ctypes, errno, os, socket, subprocess, sys, threading
    import numpy as np
    libc = ctypes.CDLL(None, use_errno=True)
    CLONE = {"x86_64": 56, "aarch64": 220}.get(os.uname().machine)

    def c(result):
        if result == -1:
            raise OSError(ctypes.get_errno(), "")
        return result

    def clone_new_user():                # a child in a new user namespace, which exits at once
        if c(libc.syscall(CLONE, 0x10000000 | 17, 0, 0, 0, 0)) == 0:
            os._exit(0)

    def mine(mode):
        open("out/mine", "w").close()
        os.chmod("out/mine", mode)

    attempts = {
        "loopback": lambda: socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1),
        "unix_socket": lambda: socket.socket(socket.AF_UNIX),
        "socketpair": socket.socketpair,
        "memfd_create": lambda: os.memfd_create("hoard"),
        "shmget": lambda: c(libc.shmget(0, 2**20, 0o1600)),
        "unshare": lambda: c(libc.unshare(0x10000000 | 0x00020000)),
        "setns": lambda: c(libc.setns(0, 0)),
        "clone_newuser": clone_new_user,
        "clone3": lambda: c(libc.syscall(435, 0, 0)),
        "umask_0": lambda: os.umask(0),
        "chmod_o+r": lambda: mine(0o604),
        "chmod_600": lambda: mine(0o600),
        "thread": lambda: threading.Thread(target=print).start(),
        "subprocess": lambda: subprocess.run(["true"], check=True),
        "numpy": lambda: np.ones((300, 300)) @ np.ones((300, 300)),
        "ptrace": lambda: c(libc.ptrace(0, 0, 0, 0)),        # last: a traced process stops at signals
    }
    for name, attempt in attempts.items():
        try:
            attempt()
            print(name, "ALLOWED")
        except OSError as error:
            print(name, errno.errorcode.get(error.errno, error.errno))
"""
REFUSED = {"loopback": "EPERM", "unix_socket": "EPERM", "socketpair": "EPERM", "memfd_create": "EPERM",
           "shmget": "EPERM", "unshare": "EPERM", "setns": "EPERM", "ptrace": "EPERM", "clone_newuser": "EPERM",
           "clone3": "ENOSYS", "umask_0": "EPERM", "chmod_o+r": "EPERM", "chmod_600": "ALLOWED",
           "thread": "ALLOWED", "subprocess": "ALLOWED", "numpy": "ALLOWED"}


def escapes_met(output: str) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in output.splitlines() if line.split(" ")[0] in REFUSED)


def test_the_syscall_filter_refuses_what_numpy_never_needs(tmp_path, listener):
    outcome = run(tmp_path, ESCAPES, args=[listener])
    assert outcome.ending == FINISHED, f"got {outcome.ending!r}: {outcome.output[-500:]}"
    assert escapes_met(outcome.output) == REFUSED, f"the filter let through, or refused: {outcome.output}"
    assert "syscall filter" in outcome.isolation, f"isolation {outcome.isolation!r}"


@pytest.mark.parametrize("launch_kind", ["fresh"], indirect=True)
def test_without_the_binding_runs_go_unfiltered_and_the_ta_is_told(tmp_path, monkeypatch, launch_kind):
    from autograder.sandbox import launch as launching
    monkeypatch.setattr(launching, "seccomp_folder", lambda: None)     # a launcher without site-packages
    outcome = run(tmp_path, "import socket; socket.socket(); print('unfiltered')")
    assert outcome.ok and "unfiltered" in outcome.output, f"the run must go on: {outcome}"
    assert outcome.isolation.startswith("reduced: no syscall filter (ModuleNotFoundError"), \
        f"the TA must be told: {outcome.isolation!r}"


def test_memory_in_memfd_files_is_refused(tmp_path):
    """memfd files are memory in no address space: RLIMIT_AS and the supervisor's count miss them."""
    outcome = run(tmp_path, """
        import os
        try:
            hoard = [os.memfd_create(f"hoard{i}") for i in range(8)]
            for fd in hoard:
                os.write(fd, b"x" * (63 * 2**20))
            print("HOARDED", len(hoard) * 63, "MiB")
        except OSError as error:
            print("REFUSED", error.errno)
    """, Limits(timeout=5.0, memory=256 * 2**20))
    assert "REFUSED 1\n" in outcome.output, f"memfd_create was not refused: {outcome.ending} {outcome.output}"


def test_what_a_run_writes_in_scratch_counts_against_its_memory(tmp_path):
    """pytest's tmp_path is on disk (as a TA's TMPDIR may be, or /tmp on Gradescope)."""
    outcome = run(tmp_path, """
        import time
        try:
            for i in range(48):
                with open(f"f{i}", "wb") as stream:
                    stream.write(b"x" * (16 * 2**20))
        except OSError:                 # a tmpfs of the run's memory limit is full
            pass
        time.sleep(1000)
    """, Limits(timeout=5.0, memory=256 * 2**20))
    assert outcome.ending.kind == MEMORY, f"768 MiB of files under a 256 MiB limit: {outcome.ending!r}"
    assert outcome.elapsed < 4, f"the memory watchdog took {outcome.elapsed:.2f} s"
    assert list((tmp_path / "scratch").glob("f*")) == [], "the run's files outlived it"


DEEP = """
    import os
    os.mkfifo("fifo")
    os.symlink("/etc", "etc")
    os.mkdir("tmp/closed")
    os.chmod("tmp/closed", 0)
    for _ in range(1500):               # deeper than shutil.rmtree recurses
        os.mkdir("d" * 100)
        os.chdir("d" * 100)
    os.mkdir("closed")
    os.chmod("..", 0)
    open(os.path.join(os.environ["HOME"], "out", "result.npz"), "w").write("kept")
"""


def test_a_run_leaves_nothing_in_scratch_but_its_results(tmp_path):
    outcome = run(tmp_path, DEEP)
    assert outcome.ending == FINISHED, f"got {outcome.ending!r}: {outcome.output[-500:]}"
    scratch = tmp_path / "scratch"
    left = sorted(str(path.relative_to(scratch)) for path in scratch.rglob("*"))
    assert left == ["child.py", "out", "out/result.npz", "tmp"], f"what the run wrote outlived it: {left[:10]}"
    assert (scratch / "out" / "result.npz").read_text() == "kept", "the run's result was lost"


@once
def test_removing_a_tree_needs_no_recursion_no_permission_and_never_raises(tmp_path):
    from autograder.sandbox.removal import remove_tree
    outside = tmp_path / "outside.txt"
    outside.write_text("stays")
    tree = tmp_path / "tree"
    tree.mkdir()
    chain = os.open(tree, os.O_RDONLY)
    for depth in range(1500):           # 150 KB of path: far past PATH_MAX, and past the recursion limit
        os.mkdir("d" * 100, dir_fd=chain)
        inner = os.open("d" * 100, os.O_RDONLY, dir_fd=chain)
        os.close(chain)
        chain = inner
        if depth % 100 == 0:
            os.symlink(outside, "link", dir_fd=chain)
            os.mkfifo("fifo", dir_fd=chain)
    os.chmod(chain, 0)
    os.close(chain)
    os.chmod(tree / ("d" * 100), 0)
    assert remove_tree(str(tree)) == [], "the removal reported failures"
    assert not tree.exists(), "the tree is still there"
    assert outside.read_text() == "stays", "a link was followed"
    assert remove_tree("/proc/1/status") != [], "a file that cannot be removed is reported"
    assert remove_tree(str(tmp_path / "missing")) == [], "a missing path is no failure"


@once
def test_the_next_grader_removes_the_scratch_of_a_killed_one(tmp_path, monkeypatch):
    killed = subprocess.run(
        [sys.executable, "-c", "import os, sys; from autograder.sandbox.scratch import scratch_root; "
         "root = scratch_root(); os.makedirs(root + '/nnhw-ReLU-1/' + 'd/' * 50); print(root, flush=True); "
         "os.kill(os.getpid(), 9)"],
        env={**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(REPO_ROOT)}, cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=30)
    abandoned = Path(killed.stdout.strip())
    assert abandoned.parent == tmp_path and abandoned.is_dir(), f"the killed grader's folder: {killed}"
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    scratch_root.cache_clear()
    try:
        running = Path(scratch_root())          # this process's, held while it runs
        next_grader = subprocess.run(
            [sys.executable, "-c", "from autograder.sandbox.scratch import scratch_root; print(scratch_root())"],
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, cwd=REPO_ROOT, capture_output=True, text=True,
            timeout=30)
        assert next_grader.returncode == 0, f"the next grader: {next_grader.stderr}"
        assert not abandoned.exists(), f"the next grader left the killed one's {abandoned}"
        assert running.is_dir(), f"the next grader removed the folder of a running one: {running}"
        assert not Path(next_grader.stdout.strip()).exists(), "a grader's folder outlived its exit"
    finally:
        monkeypatch.undo()
        scratch_root.cache_clear()


# --- read_results ----------------------------------------------------------------------------------------

class Planted:
    """Unpickled, it would create the file ``path``: proof that something was unpickled."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@once
def test_read_results_keeps_numbers_and_drops_everything_else(tmp_path):
    import pickle
    out = tmp_path / "out"
    out.mkdir()
    rng = np.random.default_rng(0)
    good = rng.standard_normal((3, 4))
    np.savez(out / "good.npz", x=good, mask=good > 0, n=np.arange(4, dtype=np.uint8),
             big_endian=np.arange(3, dtype=">f8"), words=np.array(["a", "b"]),
             complex=np.ones(2, dtype=complex), record=np.zeros(2, dtype=[("a", "f8")]))
    planted = tmp_path / "unpickled"
    np.savez(out / "pickled.npz", obj=np.array([Planted(planted), None], dtype=object), x=good)
    (out / "raw_pickle.npz").write_bytes(pickle.dumps({"x": Planted(planted)}))
    (out / "garbage.npz").write_bytes(b"PK\x03\x04 not really a zip")
    (out / "empty.npz").write_bytes(b"")
    (out / "link.npz").symlink_to(out / "good.npz")
    (out / "dir.npz").mkdir()
    os.mkfifo(out / "fifo.npz")
    np.save(out / "plain.npy", good)
    np.save(out / "bare.npy", good)
    (out / "bare.npy").rename(out / "bare.npz")                 # a bare .npy under an .npz name
    np.savez(out / "huge.npz", x=np.zeros(2**20))

    results = read_results(out, max_bytes=2**20)

    assert sorted(results) == ["good"], f"files kept: {sorted(results)}"
    assert sorted(results["good"]) == ["big_endian", "mask", "n", "x"], \
        f"keys kept: {sorted(results['good'])}"
    np.testing.assert_array_equal(results["good"]["x"], good, err_msg="good.x")
    np.testing.assert_array_equal(results["good"]["mask"], good > 0, err_msg="good.mask")
    assert results["good"]["big_endian"].dtype == np.float64, "byte order not made native"
    assert not planted.exists(), "a pickle in a result file was unpickled"


@once
def test_read_results_refuses_too_many_members(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    from autograder.sandbox import results as reader
    np.savez(out / "many.npz", **{f"a{i}": np.zeros(1) for i in range(reader.MAX_MEMBERS + 1)})
    np.savez(out / "enough.npz", **{f"a{i}": np.zeros(1) for i in range(reader.MAX_MEMBERS)})
    assert sorted(read_results(out)) == ["enough"], f"a file of more than {reader.MAX_MEMBERS} members was read"


@once
def test_read_results_rejects_a_zip_bomb_and_a_lying_header(tmp_path):
    import zipfile
    out = tmp_path / "out"
    out.mkdir()
    with zipfile.ZipFile(out / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("x.npy", "w", force_zip64=True) as member:
            np.lib.format.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False,
                                                          "shape": (2**25,)})
            for _ in range(2**5):
                member.write(bytes(2**23))
    header_only = out / "short.npz"
    with zipfile.ZipFile(header_only, "w") as archive:
        with archive.open("x.npy", "w") as member:
            np.lib.format.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False,
                                                          "shape": (10**12,)})
    assert (out / "bomb.npz").stat().st_size < 2**21, "the bomb should be small on disk"
    assert read_results(out, max_bytes=2**24) == {}, "a zip bomb or a lying header was loaded"


@once
def test_read_results_takes_any_valid_header_and_no_data_short_of_it(tmp_path):
    """Whatever valid .npy header a member has, NumPy's reader takes it; a member whose data is shorter
    than its header declares is refused with its file."""
    import io
    import zipfile
    out = tmp_path / "out"
    out.mkdir()
    rng = np.random.default_rng(1)
    arrays = {"fortran": np.asfortranarray(rng.standard_normal((5, 2))), "scalar": np.array(3.5),
              "empty": np.zeros((0, 3)), "cube": rng.standard_normal((2, 3, 4)).astype(np.float32)}
    np.savez(out / "saved.npz", **arrays)
    np.savez_compressed(out / "compressed.npz", **arrays)

    def member(header, data):
        header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
        return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + data

    other_order = b"{'shape': (2,), 'fortran_order': False, 'descr': '<f8'}"
    declared = b"{'descr': '<f8', 'fortran_order': False, 'shape': (10,), }"
    for name, raw in (("reordered", member(other_order, np.array([1.0, 2.0]).tobytes())),
                      ("short", member(declared, np.arange(9.0).tobytes()))):
        with zipfile.ZipFile(out / f"{name}.npz", "w") as archive:
            archive.writestr("x.npy", raw)
    buffer = io.BytesIO()
    np.save(buffer, np.arange(4.0))
    assert member(declared, b"")[:10] == buffer.getvalue()[:10], "the test's member must look like np.save's"

    results = read_results(out)

    for stem in ("saved", "compressed"):
        for key, expected in arrays.items():
            got = results[stem][key]
            assert got.dtype == expected.dtype and got.shape == expected.shape, f"{stem}.{key}: {got.dtype} {got.shape}"
            np.testing.assert_array_equal(got, expected, err_msg=f"{stem}.{key}")
            assert got.flags.writeable, f"{stem}.{key} must be a writable copy"
    np.testing.assert_array_equal(results["reordered"]["x"], [1.0, 2.0], err_msg="a valid header of another layout")
    assert "short" not in results, f"data shorter than its header declares was loaded: {sorted(results)}"


@once
def test_read_results_of_a_missing_or_symlinked_directory_is_empty(tmp_path):
    assert read_results(tmp_path / "nowhere") == {}, "a missing directory should give no results"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    np.savez(elsewhere / "forged.npz", score=np.array([10.0]))
    (tmp_path / "out").symlink_to(elsewhere)
    assert read_results(tmp_path / "out") == {}, "out/ as a symlink must not be followed"


@once
def test_limits_are_checked():
    with pytest.raises(ValueError, match="timeout"):
        Limits(timeout=0)
    with pytest.raises(ValueError, match="memory"):
        Limits(memory=-1)
    assert Limits(timeout=10).cpu_seconds == 11, "cpu derived from the timeout"
    assert Limits(cpu=3).cpu_seconds == 3, "explicit cpu"


EXPOSED = """
set -e
# The interpreter, or the checkout itself, may live under a folder only root can enter (a home, a
# mktemp -d): cover each such folder with an empty tmpfs and show other users just those directories.
stage="$STAGE"
i=0
for dir in $EXPOSE; do
    mkdir -p "$stage/$i"; mount --bind "$dir" "$stage/$i"; i=$((i + 1))
done
for shield in $SHIELDS; do
    mount -t tmpfs -o mode=755 tmpfs "$shield"
done
i=0
for dir in $EXPOSE; do
    mkdir -p "$dir"; mount --bind "$stage/$i" "$dir"; i=$((i + 1))
done
"""
AS_NOBODY = EXPOSED + ('exec setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all '
                       '--bounding-set=-all "$@"\n')


def _blocked_ancestor(path):
    """The topmost folder above ``path`` that others cannot enter, or None."""
    for parent in reversed(Path(path).parents):
        if parent != Path("/") and not os.stat(parent).st_mode & stat.S_IXOTH:
            return str(parent)
    return None


def nobody_view():
    """(folders to cover, directories to show inside them), for EXPOSED: the interpreter, NumPy and
    the checkout, wherever they are."""
    needed = sorted({source for source, _ in python_dirs()} | {str(REPO_ROOT)}, key=len)
    shields = {_blocked_ancestor(path) for path in needed} - {None}
    expose = [path for path in needed if any(path.startswith(f"{shield}/") for shield in shields)]
    # Outermost only: a directory bound again inside another would be a locked submount in the
    # grader's user namespace, and the kernel refuses to bind a mount that has those (EINVAL).
    expose = [path for path in expose if not any(path.startswith(f"{other}/") for other in expose)]
    return sorted(shields), expose


NOBODY_GRADER = """
import sys
from pathlib import Path
from autograder.messages import ending, text
from autograder.sandbox import Limits, isolation_mode, run_child
scratch = Path(sys.argv[1])
print("MODE", isolation_mode())
children = {
    "normal": "import os, numpy; status = open('/proc/self/status').read(); "
              "print('uid', os.getuid(), status.split('CapEff:')[1].split()[0])",
    "secret": f"open({sys.argv[2]!r}).read()",
    "daemon": "import os, time\\nif os.fork() == 0:\\n    os.setsid()\\n    time.sleep(1000)\\n",
    "hang": "while True: pass",
}
for name, source in children.items():
    (scratch / f"{name}.py").write_text(source)
    outcome = run_child(scratch, f"{name}.py", [], Limits(timeout=1.0 if name == "hang" else 2.0))
    print("ENDING", name, text(ending(outcome.ending)), "|", outcome.output.strip().splitlines()[-1:])
"""


@root_only
@once                  # its grader runs as it would: through its fork server
def test_a_grader_that_is_not_root_uses_a_user_namespace(tmp_path):
    if not (shutil.which("unshare") and shutil.which("setpriv")):
        pytest.skip("needs unshare and setpriv (util-linux)")
    shields, expose = nobody_view()
    scratch = Path(tempfile.mkdtemp(prefix="nnhw-nobody-"))
    try:
        os.chown(scratch, 65534, 65534)
        secret = REPO_ROOT / "autograder" / "reference" / "activations.py"
        result = subprocess.run(
            ["unshare", "--mount", "sh", "-c", AS_NOBODY, "sh", sys.executable, "-c", NOBODY_GRADER,
             str(scratch), str(secret)],
            env={**os.environ, "EXPOSE": " ".join(expose), "SHIELDS": " ".join(shields),
                 "STAGE": str(tmp_path), "PYTHONPATH": str(REPO_ROOT)},
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"the nobody grader failed: {result.stdout}\n{result.stderr}"
        lines = result.stdout.splitlines()
        mode = lines[0].split()[1]
        assert mode in ("userns", "none"), f"a non-root grader got mode {mode!r}"
        if mode == "none":
            pytest.skip("user namespaces are not available to unprivileged users here")
        assert "ENDING normal ok | ['uid 0 0000000000000000']" in lines, f"normal child: {lines}"
        secret_ending = "ENDING secret exited with code 1 (FileNotFoundError)"
        assert any(line.startswith(secret_ending) for line in lines), \
            f"the reference solution is readable without root: {lines}"
        assert "ENDING daemon ok | []" in lines, f"daemon child: {lines}"
        assert any(line.startswith("ENDING hang timed out after 1 s") for line in lines), f"hang: {lines}"
        assert processes_of(scratch) == [], f"processes left behind: {processes_of(scratch)}"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@namespaces_only
def descendants_of(pid: int) -> list[str]:
    found, frontier = [], [str(pid)]
    while frontier:
        for child in children_of(int(frontier.pop())):
            found.append(child)
            frontier.append(child)
    return found


PR_SET_CHILD_SUBREAPER = 36


def reap(pids: list[str]) -> None:
    """Reap those of ``pids`` that are this process's children and have ended."""
    for pid in pids:
        try:
            os.waitpid(int(pid), os.WNOHANG)
        except ChildProcessError:
            pass


def test_a_grader_killed_mid_run_leaves_nothing(tmp_path, launch_kind):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "child.py").write_text(textwrap.dedent("""
        import os, time
        if os.fork() == 0:
            os.setsid()
            time.sleep(1000)
        time.sleep(1000)
    """))
    # A dead grader's orphans come to this process, which reaps them as the machine's init would (when
    # it gets to it): what stays in /proc is what is still alive.
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0, f"prctl: errno {ctypes.get_errno()}"
    run = []
    try:
        grader = subprocess.Popen(
            [sys.executable, "-c", "import sys; from pathlib import Path; from autograder.sandbox import *; "
             "run_child(Path(sys.argv[1]), 'child.py', [], Limits(timeout=60), fork_server_ok=sys.argv[2] == 'yes')",
             str(scratch), "yes" if launch_kind == "fork server" else "no"],
            cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})

        def started() -> list[str]:     # what a run writes stays in its own scratch: count its processes
            return processes_of(scratch) if launch_kind == "fresh" else descendants_of(grader.pid)
        deadline = time.monotonic() + 10
        while len(started()) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        run = descendants_of(grader.pid)
        if launch_kind == "fresh":
            assert len(processes_of(scratch)) == 5, f"the test should see the grader, launcher, supervisor, " \
                f"child and daemon: {processes_of(scratch)}"
        else:
            assert len(run) == 5, f"the test should see the fork server, launcher, supervisor, child and daemon: {run}"
        grader.kill()
        grader.wait()
        deadline = time.monotonic() + 2
        while (processes_of(scratch) or [pid for pid in run if os.path.exists(f"/proc/{pid}")]) and \
                time.monotonic() < deadline:
            reap(run)
            time.sleep(0.02)
        assert processes_of(scratch) == [], f"a dead grader left processes: {processes_of(scratch)}"
        left = [pid for pid in run if os.path.exists(f"/proc/{pid}")]
        assert left == [], f"a dead grader left processes of its run or its fork server: {left}"
    finally:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        reap(run)


REDUCED_CHILDREN = {
    "who": """
        import numpy
        status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
        print("WHO", *[" ".join(status[key].split()) + ";" for key in
                       ("Uid", "Gid", "Groups", "CapEff", "CapBnd", "NoNewPrivs")])
        numpy.savez("out/who.npz", x=numpy.ones(2))
    """,
    "server": """
        import os, signal
        for pid in filter(str.isdigit, os.listdir("/proc")):      # no PID namespace: the host's
            try:
                command = open(f"/proc/{pid}/cmdline", "rb").read()
            except OSError:
                continue
            if (b"zygote.py" in command or b"jail.py" in command) and int(pid) != os.getpid():
                os.kill(int(pid), signal.SIGKILL)
    """,
    "nproc": """
        import os, time
        for _ in range(20):
            if os.fork() == 0:
                time.sleep(1000)
    """,
    "daemon": """
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(1000)
            os._exit(0)
        print("parent leaves")
    """,
    "hang": "while True: pass",
    "litter": """
        import os
        name = os.path.basename(os.getcwd())
        for folder in ("/tmp", "/dev/shm", "/var/tmp", "/run/lock", "/var/lock"):
            try:
                os.makedirs(f"{folder}/{name}-litter/deeper/closed")
                os.chmod(f"{folder}/{name}-litter/deeper/closed", 0)
                open(f"{folder}/{name}-litter.txt", "w").write("left for the next run")
            except OSError:             # /var/lock is /run/lock, or a folder is missing here
                pass
        os.chdir(f"/tmp/{name}-litter")
        for _ in range(1500):
            os.mkdir("d")
            os.chdir("d")
    """,
    "private": """
        import os, stat, tempfile
        path = f"/tmp/{os.path.basename(os.getcwd())}-private.txt"
        open(path, "w").write("mine")
        for loosen in (lambda: os.chmod(path, 0o644), lambda: os.umask(0)):
            try:
                loosen()
            except OSError:
                pass
        print("PRIVATE", oct(stat.S_IMODE(os.stat(path).st_mode)), oct(stat.S_IMODE(os.stat(".").st_mode)),
              tempfile.gettempdir() == os.path.join(os.getcwd(), "tmp"))
    """,
    "hoard": """
        import time
        for i in range(48):             # 768 MiB of files in a scratch folder on disk
            with open(f"hoard{i}", "wb") as stream:
                stream.write(b"x" * (16 * 2**20))
        time.sleep(1000)
    """,
    "escapes": ESCAPES,
    "deep": DEEP,
}
REDUCED_GRADER = """
import os, sys
from pathlib import Path
from autograder.messages import ending, text
from autograder.sandbox import Limits, SandboxError, child, run_child
child.isolation_mode = lambda: "none"       # a container that permits no namespaces, as Gradescope's
fork_server_ok, scratch = sys.argv[1] == "True", Path(sys.argv[2])
for name in sys.argv[3:]:
    memory = 256 * 2**20 if name == "hoard" else Limits().memory
    timeout = 1.0 if name == "hang" else 2.0
    try:
        outcome = run_child(scratch, f"{name}.py", [os.environ["LISTENER"]],
                            Limits(timeout=timeout, processes=4, memory=memory), fork_server_ok=fork_server_ok)
    except SandboxError as error:
        print(f"ENDING {fork_server_ok} {name} sandbox error | {error} | ")
        continue
    output = outcome.output.strip().replace("\\n", " ")
    print(f"ENDING {fork_server_ok} {name} {text(ending(outcome.ending))} | {output} | {outcome.isolation}")
"""


@pytest.fixture(scope="module")
def reduced(tmp_path_factory):
    """Root without namespaces (a container): every child of REDUCED_CHILDREN, by one grader through its
    fork server and by another, at the same time, fresh, each in a scratch folder of its own, with a listener
    on the host's loopback. {(fork server, child): (ending, output, isolation)} and {fork server: the
    scratch folder}, once the graders have ended."""
    if os.geteuid() != 0 or isolation_mode() != "root" or not shutil.which("unshare"):
        pytest.skip("needs the root sandbox and unshare (util-linux)")
    import socket
    # Under /tmp: the run's uid reaches them.
    scratches = {kind: Path(tempfile.mkdtemp(prefix="nnhw-reduced-")) for kind in ("True", "False")}
    shields, expose = nobody_view()     # the child's uid must reach the interpreter, as in a container
    for scratch in scratches.values():
        for name, source in REDUCED_CHILDREN.items():
            (scratch / f"{name}.py").write_text(textwrap.dedent(source))
    try:
        with socket.create_server(("127.0.0.1", 0)) as listener:
            graders = [subprocess.Popen(
                ["unshare", "--mount", "sh", "-c", EXPOSED + 'exec "$@"\n', "sh", sys.executable, "-c",
                 REDUCED_GRADER, kind, str(scratch), *REDUCED_CHILDREN],
                env={**os.environ, "EXPOSE": " ".join(expose), "SHIELDS": " ".join(shields),
                     "STAGE": str(tmp_path_factory.mktemp("stage")), "PYTHONPATH": str(REPO_ROOT),
                     "LISTENER": str(listener.getsockname()[1])},
                cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for kind, scratch in scratches.items()]
            results = [(grader.communicate(timeout=120), grader.returncode) for grader in graders]
        lines = {}
        for (stdout, stderr), returncode in results:
            assert returncode == 0, f"the reduced grader failed: {stdout}\n{stderr}"
            lines.update({tuple(line.split(" ", 3)[1:3]): tuple(line.split(" ", 3)[3].split(" | "))
                          for line in stdout.splitlines() if line.startswith("ENDING ")})
        yield lines, scratches
    finally:
        for scratch in scratches.values():
            shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.parametrize("launch_kind", ["both, in the grader below"], indirect=True)
def test_reduced_mode_as_root_runs_the_child_as_its_own_uid(reduced, launch_kind):
    """Root without namespaces (a container): the child still gets its own uid, no groups or
    capabilities, RLIMIT_NPROC on that uid, and cannot kill the fork server or its launcher."""
    lines, scratches = reduced
    uids = set()
    for kind in ("True", "False"):
        ending, output, isolation = lines[(kind, "who")]
        assert ending == "ok", f"fork server {kind}: {lines[(kind, 'who')]}"
        uid = int(output.split()[1])
        uids.add(uid)
        assert uid >= UID_BASE, f"fork server {kind}: the child is not its own uid: {output}"
        assert output.startswith(f"WHO {uid} {uid} {uid} {uid}; {uid} {uid} {uid} {uid}; ; "
                                 f"0000000000000000; 0000000000000000; 1;"), \
            f"fork server {kind}: uid, gid, groups, capabilities or no_new_privs: {output}"
        assert isolation.startswith("reduced: no namespaces") and f"uid {uid} (its own)" in isolation, \
            f"fork server {kind}: describe() must say the reduced mode and the uid: {isolation}"
        assert lines[(kind, "server")][0] == "exited with code 1 (PermissionError)", \
            f"fork server {kind}: the child could signal the fork server or a launcher: {lines[(kind, 'server')]}"
        assert lines[(kind, "nproc")][0] == "killed: process limit", \
            f"fork server {kind}: RLIMIT_NPROC not in force on the run's uid: {lines[(kind, 'nproc')]}"
        assert lines[(kind, "daemon")][:2] == ("ok", "parent leaves"), f"fork server {kind}: {lines[(kind, 'daemon')]}"
        assert lines[(kind, "hang")][0] == "timed out after 1 s", f"fork server {kind}: {lines[(kind, 'hang')]}"
    assert len(uids) == 2, f"two runs shared a uid: {uids}"
    left = [line for scratch in scratches.values() for line in processes_of(scratch)
            if int(line.split(": uid ")[1].split(":")[0]) >= UID_BASE]
    assert left == [], f"processes left behind: {left}"


@pytest.mark.parametrize("launch_kind", ["both, in the grader below"], indirect=True)
def test_reduced_mode_filters_syscalls_and_reaches_no_listener(reduced, launch_kind):
    lines, _ = reduced
    for kind in ("True", "False"):
        ending, output, isolation = lines[(kind, "escapes")]
        assert ending == "ok", f"fork server {kind}: {lines[(kind, 'escapes')]}"
        met = dict(zip(output.split()[::2], output.split()[1::2]))
        assert met == REFUSED, f"fork server {kind}: the filter let through, or refused: {output}"
        assert "syscall filter" in isolation, f"fork server {kind}: isolation {isolation!r}"


@pytest.mark.parametrize("launch_kind", ["both, in the grader below"], indirect=True)
def test_reduced_mode_keeps_a_runs_files_private_and_removes_them_after_it(reduced, launch_kind):
    lines, scratches = reduced
    for kind, scratch in scratches.items():
        assert lines[(kind, "private")][:2] == ("ok", "PRIVATE 0o600 0o700 True"), \
            f"fork server {kind}: a run's files must be its own, its TMPDIR in its scratch: {lines[(kind, 'private')]}"
        for name in ("litter", "deep"):
            assert lines[(kind, name)][0] == "ok", f"fork server {kind}: {lines[(kind, name)]}"
        for folder in ("/tmp", "/dev/shm", "/var/tmp", "/run/lock"):
            left = list(Path(folder).glob(f"{scratch.name}-*"))
            assert left == [], f"fork server {kind}: the run's files in {folder} outlived it: {left}"
        left = sorted(str(path.relative_to(scratch)) for path in scratch.rglob("*"))
        assert left == sorted([f"{name}.py" for name in REDUCED_CHILDREN] + ["out", "out/mine", "out/result.npz",
                                                                            "out/who.npz", "tmp"]), \
            f"fork server {kind}: what the runs wrote in scratch outlived them: {left[:20]}"


@pytest.mark.parametrize("launch_kind", ["both, in the grader below"], indirect=True)
def test_reduced_mode_counts_the_files_a_run_writes_against_its_memory(reduced, launch_kind):
    lines, _ = reduced
    for kind in ("True", "False"):
        assert lines[(kind, "hoard")][0] == "killed: memory limit", \
            f"fork server {kind}: 768 MiB of files under a 256 MiB limit: {lines[(kind, 'hoard')]}"


# --- the fork server ----------------------------------------------------------------------------------------

POLLUTER = """
    import os, signal, sys, builtins, numpy as np
    for target, number in ((os.getppid(), signal.SIGKILL), (1, signal.SIGTERM), (1, signal.SIGKILL),
                           (-1, signal.SIGKILL)):
        try:
            os.kill(target, number)
        except OSError as error:
            print("DENIED", target, type(error).__name__)
    for path in ("/tmp/left.txt", os.path.join(os.path.dirname(os.getcwd()), "left.txt"),
                 os.path.join(os.path.dirname(np.__file__), "left.py"), "/dev/shm/left.txt"):
        try:
            open(path, "w").write("left")
        except OSError as error:
            print("DENIED", path, type(error).__name__)
    os.environ["OPENBLAS_NUM_THREADS"] = "64"
    os.environ["LEFT"] = "left"
    np.allclose = lambda *a, **k: True
    np.ones = lambda *a, **k: "patched"
    builtins.abs = lambda x: 0
    sys.modules["left"] = sys
    sys.path.insert(0, "/tmp")
    np.random.seed(0)
    print("POLLUTED")
"""
INSPECTOR = """
    import os, sys, builtins, numpy as np
    print("TMP", os.path.exists("/tmp/left.txt"))
    print("ENV", os.environ.get("OPENBLAS_NUM_THREADS"), os.environ.get("LEFT"))
    print("NUMPY", np.ones(2).tolist(), np.allclose(0, 1), abs(-2), "left" in sys.modules, "/tmp" in sys.path)
    print("RANDOM", np.random.random() != np.random.RandomState(0).random())
"""


def in_folder(tmp_path: Path, name: str) -> Path:
    (tmp_path / name).mkdir()
    return tmp_path / name


@namespaces_only
@pytest.mark.parametrize("launch_kind", ["fork server"], indirect=True)
def test_a_run_cannot_touch_the_fork_server_or_the_next_run(tmp_path, launch_kind):
    first = run(in_folder(tmp_path, "first"), POLLUTER)
    server = fork_server()
    pid, starts = server.pid, server.starts
    assert "POLLUTED" in first.output, f"the polluter did not run: {first.ending} {first.output}"
    after = run(in_folder(tmp_path, "second"), INSPECTOR)
    assert (server.pid, server.starts, server.alive()) == (pid, starts, True), \
        f"the fork server died or was restarted: {server!r}, was pid {pid}"
    assert not (tmp_path / "first" / "left.txt").exists(), "a run wrote beside its scratch folder"
    assert not Path(np.__file__).with_name("left.py").exists(), "a run wrote into NumPy"
    for line in ("TMP False", "ENV 1 None", "NUMPY [1.0, 1.0] False 2 False False", "RANDOM True"):
        assert line in after.output.splitlines(), f"the next run saw the first one's changes: {after.output}"


@namespaces_only
@pytest.mark.parametrize("launch_kind", ["fork server"], indirect=True)
def test_a_dead_fork_server_is_started_again(tmp_path, launch_kind):
    run(in_folder(tmp_path, "first"), "print('one')")
    server = fork_server()
    dead, starts = server.pid, server.starts
    os.kill(dead, 9)
    server.process.wait()
    outcome = run(in_folder(tmp_path, "second"), "print('two')")
    assert outcome.ok and "two" in outcome.output, f"after the server died: {outcome}"
    assert server.alive() and server.pid != dead and server.starts == starts + 1, \
        f"the server was not started again: {server!r}"


@namespaces_only
@pytest.mark.parametrize("launch_kind", ["fork server"], indirect=True)
def test_a_fork_server_that_cannot_start_falls_back_to_fresh_runs(tmp_path, launch_kind, monkeypatch):
    from autograder.sandbox import forking
    from autograder.sandbox.forking import ForkServer, launch_forked
    broken = tmp_path / "zygote.py"
    broken.write_text("import sys; sys.exit(3)\n")
    monkeypatch.setattr(forking, "ZYGOTE", str(broken))
    server = ForkServer()
    scratch = in_folder(tmp_path, "scratch")
    (scratch / "child.py").write_text("print('fresh')")
    for _ in range(forking.MAX_STARTS + 2):
        assert launch_forked(server, isolation_mode(), scratch, [str(scratch / "child.py")], FAST) is None, \
            "a server that never said ready must not take a run"
    assert server.starts == forking.MAX_STARTS and not server.alive(), f"{server!r}"
    monkeypatch.setattr(forking, "fork_server", lambda *wanted: server)
    monkeypatch.setattr(sandbox.child, "fork_server", lambda *wanted: server)
    outcome = sandbox.run_child(scratch, "child.py", [], FAST)
    assert outcome.ok and "fresh" in outcome.output, f"no fresh run in its place: {outcome}"


@namespaces_only
@pytest.mark.parametrize("launch_kind", ["fork server"], indirect=True)
def test_the_fork_server_ends_with_the_grader(tmp_path, launch_kind):
    scratch = in_folder(tmp_path, "scratch")
    (scratch / "child.py").write_text("print('served')")
    grader = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from autograder.sandbox import *; "
         "from autograder.sandbox.forking import fork_server; "
         "outcome = run_child(Path(sys.argv[1]), 'child.py', [], Limits(timeout=10)); "
         "print(outcome.ending.kind, outcome.output.strip(), fork_server().pid)", str(scratch)],
        cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, capture_output=True, text=True,
        timeout=60)
    ending, output, pid = grader.stdout.split()
    assert (ending, output) == ("ok", "served"), f"the grader's run: {grader.stdout} {grader.stderr}"
    deadline = time.monotonic() + 2
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not os.path.exists(f"/proc/{pid}"), f"the fork server {pid} outlived its grader"


@root_only
@once
def test_reduced_mode_as_root_names_a_folder_its_uid_cannot_enter(tmp_path, monkeypatch):
    """pytest's tmp_path is under a folder only root enters: the run's uid could not reach its scratch."""
    monkeypatch.setattr(sandbox.child, "isolation_mode", lambda: "none")
    scratch = in_folder(tmp_path, "scratch")
    (scratch / "child.py").write_text("print('unreachable')")
    closed = next(str(folder) for folder in scratch.parents if not os.stat(folder).st_mode & 0o001)
    with pytest.raises(sandbox.SandboxError, match=f"{re.escape(str(scratch))}: .* {re.escape(closed)} is closed"):
        run_child(scratch, "child.py", [], FAST)


TRUSTED = """\
PROBES = {}


def make_inputs_of(name):
    return PROBES[name][1]


def run_probe():
    pass


def main():
    pass
"""


@pytest.fixture
def trusted_source(tmp_path, monkeypatch):
    """The bytes of a trusted source file that the fork server of this test (in place of this process's)
    compiles once when it starts, as the grader's server compiles the probes and the handout's modules."""
    path = tmp_path / "trusted" / "trusted.py"
    path.parent.mkdir()
    path.write_text(TRUSTED)
    server = ForkServer(precompiled=[path])
    monkeypatch.setattr(sandbox.child, "fork_server", lambda *wanted: server)
    monkeypatch.setitem(globals(), "fork_server", lambda *wanted: server)
    yield path.read_bytes()
    server.shutdown()


def test_a_copy_of_a_trusted_source_runs_as_its_own_file(tmp_path, trusted_source):
    """A run that imports a byte-identical copy of a source the fork server compiled gets code that names
    the run's file (tracebacks, ``where`` in feedback), and one changed byte is compiled afresh."""
    scratch = in_folder(tmp_path, "scratch")
    (scratch / "runner.py").write_bytes(trusted_source)
    (scratch / "changed.py").write_bytes(trusted_source + b"\nCHANGED = True\n")
    outcome = run(tmp_path, """
        import os, sys, traceback
        sys.path.insert(0, os.getcwd())
        import runner, changed
        for module in (runner, changed):
            print("FILE", module.__name__, module.run_probe.__code__.co_filename, module.main.__code__.co_filename)
        print("CHANGED", getattr(changed, "CHANGED", None), getattr(runner, "CHANGED", None))
        try:
            runner.make_inputs_of("no such probe")
        except KeyError as error:
            frame = traceback.extract_tb(error.__traceback__)[-1]
            print("RAISED", frame.filename, frame.lineno, frame.line)
    """)
    for module in ("runner", "changed"):
        path = scratch / f"{module}.py"
        assert f"FILE {module} {path} {path}" in outcome.output, f"{module}: {outcome.output}"
    assert "CHANGED True None" in outcome.output, f"a changed copy ran the cached code: {outcome.output}"
    line = next(number for number, text in enumerate(trusted_source.decode().splitlines(), 1)
                if text.strip() == "return PROBES[name][1]")
    assert f"RAISED {scratch / 'runner.py'} {line} return PROBES[name][1]" in outcome.output, \
        f"the traceback does not point into the run's own copy: {outcome.output}"


def test_two_copies_of_a_trusted_source_in_one_run_each_name_their_own_file(tmp_path, trusted_source):
    """The first copy a run runs gets the cached code renamed in place; a second, byte-identical one must
    not rename the first's: each keeps its own file in its code and its tracebacks."""
    scratch = in_folder(tmp_path, "scratch")
    for name in ("first", "second"):
        (scratch / f"{name}.py").write_bytes(trusted_source)
    outcome = run(tmp_path, """
        import os, sys, traceback
        sys.path.insert(0, os.getcwd())
        import first, second
        for module in (first, second):
            print("FILE", module.__name__, module.__file__, module.run_probe.__code__.co_filename)
            try:
                module.make_inputs_of("no such probe")
            except KeyError as error:
                print("RAISED", module.__name__, traceback.extract_tb(error.__traceback__)[-1].filename)
    """)
    for name in ("first", "second"):
        path = scratch / f"{name}.py"
        assert f"FILE {name} {path} {path}" in outcome.output, f"{name}'s code names another file: {outcome.output}"
        assert f"RAISED {name} {path}" in outcome.output, f"{name}'s traceback names another file: {outcome.output}"
