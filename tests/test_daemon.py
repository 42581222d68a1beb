"""The grader daemon: `python -m autograder grade` served by a warm process must be the same command.

Each test gets a daemon folder of its own (``NNHW_DAEMON_DIR``) and stops what it started; the fixture
then checks that no process of that folder is left.
"""

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder import REPO_ROOT
from autograder.daemon import address, client
from autograder.paths import HANDOUT_DIR
from tests import hostile, kits

STARTING = "starting the grader daemon"
COMMAND_TIMEOUT = 120


class Daemon:
    """Commands run with the daemon on, in ``folder``."""

    def __init__(self, folder):
        self.folder = folder
        self.env = {**os.environ, address.SWITCH: "1", address.DIR_VARIABLE: folder,
                    address.IDLE_VARIABLE: "120", "PYTHONPATH": str(REPO_ROOT)}   # commands from any folder

    def grade(self, *args, env=None, cwd=REPO_ROOT, switch="1"):
        environment = {**self.env, **(env or {}), address.SWITCH: switch}
        return subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, args)], cwd=cwd,
                              env=environment, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)

    def verb(self, *args):
        return subprocess.run([sys.executable, "-m", "autograder", "daemon", *args], cwd=REPO_ROOT, env=self.env,
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT)

    def sockets(self):
        return sorted(Path(self.folder).glob("*.sock"))


def processes_of(folder):
    """Pids of the processes whose command line names ``folder`` (a daemon and its commands' forks)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                if folder.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def wait_until(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def daemon():
    folder = tempfile.mkdtemp(prefix="nnhw-d-")        # short: a socket's path has 107 bytes at most
    yield Daemon(folder)
    subprocess.run([sys.executable, "-m", "autograder", "daemon", "--stop"], cwd=REPO_ROOT,
                   env={**os.environ, address.DIR_VARIABLE: folder}, capture_output=True, timeout=60)
    left = wait_until(lambda: not processes_of(folder))
    for pid in processes_of(folder):
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(folder, ignore_errors=True)
    assert left, f"processes of the daemon in {folder} outlived `daemon --stop`"


def without_timings(text):
    """A table, results.json or feedback with the vectorised checks' measured times (which vary from
    one run to the next, daemon or not) and the execution time replaced by placeholders."""
    text = re.sub(r"time on a batch of .*?; not scored", "<timing>", text, flags=re.S)
    return re.sub(r'"execution_time": [0-9.]+', '"execution_time": <t>', text)


def test_the_first_command_starts_the_daemon_and_both_print_what_a_direct_run_prints(daemon, tmp_path):
    stubs = tmp_path / "stubs"
    shutil.copytree(HANDOUT_DIR, stubs / "hw1_student")
    direct = daemon.grade(stubs / "hw1_student", switch="0")
    first = daemon.grade(stubs / "hw1_student")
    second = daemon.grade(stubs / "hw1_student")
    assert direct.returncode == first.returncode == second.returncode == 0, (direct.stderr, first.stderr)
    assert "Total: 0.00 / 10" in direct.stdout, f"the stubs' table is not what this test expects:\n{direct.stdout}"
    assert first.stdout == direct.stdout, f"the daemon's first table differs:\n{first.stdout}"
    assert second.stdout == direct.stdout, f"the daemon's second table differs:\n{second.stdout}"
    assert STARTING in first.stderr, f"the first command did not say it started the daemon: {first.stderr!r}"
    assert second.stderr == direct.stderr == "", f"stderr: direct {direct.stderr!r}, second {second.stderr!r}"
    assert len(daemon.sockets()) == 1, f"expected one daemon socket, found {daemon.sockets()}"
    status = daemon.verb()
    assert "2 commands served" in status.stdout, f"the second command was not served by the daemon: {status}"
    assert wait_until(lambda: "warm" in daemon.verb().stdout.replace("warming up", "")), \
        f"the daemon did not finish warming up once its commands ended: {daemon.verb().stdout}"


def in_a_terminal(daemon, path, switch, columns):
    """Bytes a grade of ``path`` writes to a terminal ``columns`` wide (a pseudo-terminal as stdout)."""
    import fcntl
    import pty
    import struct
    import termios

    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**daemon.env, address.SWITCH: switch, "TERM": "xterm-256color"}
    env.pop("COLUMNS", None)
    with subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(path)], cwd=REPO_ROOT, env=env,
                          stdin=subprocess.DEVNULL, stdout=terminal, stderr=subprocess.DEVNULL) as command:
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:                # EIO: the terminal's last writer is gone
                break
            if not chunk:
                break
            chunks.append(chunk)
        command.wait(timeout=COMMAND_TIMEOUT)
    os.close(controller)
    return b"".join(chunks)


def test_a_terminal_gets_the_same_colours_at_the_same_width(daemon):
    daemon.grade(HANDOUT_DIR)                          # the daemon is up
    direct = in_a_terminal(daemon, HANDOUT_DIR, "0", 72)
    served = in_a_terminal(daemon, HANDOUT_DIR, "1", 72)
    assert b"\x1b[" in direct, "a terminal should get rich's colours"
    widest = max(len(line) for line in re.sub(rb"\x1b\[[0-9;]*m", b"", direct).decode().splitlines())
    assert widest <= 72, f"the direct table is {widest} columns wide in a 72-column terminal"
    assert served == direct, "in a terminal, the daemon's table differs from a direct run's"


def test_files_and_scores_are_those_of_a_direct_run_and_land_in_the_commands_folder(daemon, tmp_path):
    graded = kits.write_package(tmp_path / "student", kits.with_change("activations:ReLU.backward", ">", ">="))
    outputs = {}
    for switch in ("0", "1", "1"):
        folder = tmp_path / f"out-{switch}-{len(outputs)}"
        folder.mkdir()
        done = daemon.grade(graded, "--json", "results.json", "--feedback", "feedback.md", cwd=folder,
                            switch=switch)
        assert done.returncode == 0, done.stderr
        assert "wrote results.json" in done.stdout, f"no 'wrote' line: {done.stdout[-300:]}"
        outputs[folder.name] = [without_timings((folder / name).read_text(encoding="utf-8"))
                                for name in ("results.json", "feedback.md")]
        outputs[folder.name].append(without_timings(done.stdout))
    direct, *served = outputs.values()
    score = json.loads(direct[0].replace("<t>", "0"))["score"]
    assert score < 10, f"the changed ReLU backward should lose points, scored {score}"
    for files in served:
        assert files == direct, "a command served by the daemon wrote other results than a direct run"


def test_commands_at_once_are_served_at_once(daemon, tmp_path):
    stubs = tmp_path / "stubs"
    shutil.copytree(HANDOUT_DIR, stubs / "hw1_student")
    expected = daemon.grade(stubs / "hw1_student", switch="0").stdout
    daemon.grade(stubs / "hw1_student")                # the daemon is up
    commands = [subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(stubs / "hw1_student")],
                                 cwd=REPO_ROOT, env=daemon.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for _ in range(4)]
    for command in commands:
        out, err = command.communicate(timeout=COMMAND_TIMEOUT)
        assert command.returncode == 0 and out == expected, f"a command among four at once: {err[-500:]}"
    assert "5 commands served" in daemon.verb().stdout, "the four commands were not all served by the daemon"


def test_bad_input_is_the_same_one_line_error(daemon, tmp_path):
    daemon.grade(HANDOUT_DIR)                          # the daemon is up for the next one
    served = daemon.grade(tmp_path / "nope")
    direct = daemon.grade(tmp_path / "nope", switch="0")
    assert served.returncode == direct.returncode == 2, (served, direct)
    assert served.stderr == direct.stderr and len(served.stderr.splitlines()) == 1, (served.stderr, direct.stderr)
    usage = daemon.grade("--timeout", "-1", HANDOUT_DIR)
    assert usage.returncode == 2 and "is not a positive number of seconds" in usage.stderr, usage


def test_ctrl_c_ends_the_command_not_the_daemon(daemon, tmp_path):
    looping = kits.write_package(tmp_path / "looping", {**kits.reference_regions(),
                                                         **hostile._both(hostile.HOSTILE["infinite loop"])})
    daemon.grade(HANDOUT_DIR)
    command = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(looping)], cwd=REPO_ROOT,
                               env=daemon.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.0)                                    # the ReLU section now loops in its sandbox
    before = set(processes_of(daemon.folder))
    assert len(before) >= 2, f"expected the daemon and the command's fork, found {before}"
    command.send_signal(signal.SIGINT)
    _, err = command.communicate(timeout=30)
    assert command.returncode == -signal.SIGINT, f"exit {command.returncode}, stderr {err[-500:]!r}"
    assert "KeyboardInterrupt" in err, f"the interrupted command printed no KeyboardInterrupt: {err[-500:]!r}"
    assert wait_until(lambda: len(processes_of(daemon.folder)) == 1), \
        f"the command's fork outlived Ctrl-C: {processes_of(daemon.folder)}"
    after = daemon.grade(HANDOUT_DIR)
    assert after.returncode == 0 and STARTING not in after.stderr, f"the daemon did not survive: {after.stderr}"


def test_a_killed_command_ends_its_fork_and_its_runs(daemon, tmp_path):
    looping = kits.write_package(tmp_path / "looping", {**kits.reference_regions(),
                                                         **hostile._both(hostile.HOSTILE["infinite loop"])})
    daemon.grade(HANDOUT_DIR)
    command = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(looping)], cwd=REPO_ROOT,
                               env=daemon.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.0)
    command.kill()
    command.wait()
    assert wait_until(lambda: len(processes_of(daemon.folder)) == 1), \
        f"the fork of a killed command lived on: {processes_of(daemon.folder)}"
    assert wait_until(lambda: not looping_runs()), "a sandboxed run of the killed command lived on"


def looping_runs():
    """Processes running the probes' runner (a section's sandboxed run) at 100% CPU: the looping ReLU."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"runner.py" in (entry / "cmdline").read_bytes():
                found.append(entry.name)
        except OSError:
            pass
    return found


SPIED_CLIENT = """
import json, runpy, sys
sys.argv = ["autograder", "grade", sys.argv[1]]
try:
    runpy.run_module("autograder", run_name="__main__", alter_sys=True)
except SystemExit as e:
    status = e.code
with open(OUT, "w") as stream:
    json.dump({"status": status, "modules": sorted(sys.modules)}, stream)
"""


def test_a_served_command_imports_none_of_the_grader(daemon, tmp_path):
    daemon.grade(HANDOUT_DIR)                          # the daemon is up
    out = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", SPIED_CLIENT.replace("OUT", repr(str(out))), str(HANDOUT_DIR)],
                          cwd=REPO_ROOT, env=daemon.env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    assert done.returncode == 0 and "Total: 0.00 / 10" in done.stdout, done.stderr
    seen = json.loads(out.read_text())
    assert seen["status"] == 0, f"the served command's status: {seen['status']}"
    heavy = [m for m in seen["modules"] if m.split(".")[0] in ("numpy", "rich", "make_submission", "pathlib",
                                                                 "hashlib", "argparse")
             or m.startswith(("autograder.cli", "autograder.grade", "autograder.sandbox", "autograder.messages"))]
    assert heavy == [], f"a command served by the daemon imported {heavy}: its cost is its imports"


def test_a_daemon_stopped_during_a_command_finishes_it_and_is_replaced_at_once(daemon, tmp_path):
    looping = kits.write_package(tmp_path / "looping", {**kits.reference_regions(),
                                                         **hostile._both(hostile.HOSTILE["infinite loop"])})
    daemon.grade(HANDOUT_DIR)
    command = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(looping)], cwd=REPO_ROOT,
                               env=daemon.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        time.sleep(1.0)
        assert "stopped 1" in daemon.verb("--stop").stdout, "the daemon was not stopped"
        started = time.monotonic()
        after = daemon.grade(HANDOUT_DIR)
        took = time.monotonic() - started
        assert after.returncode == 0 and "Total: 0.00 / 10" in after.stdout, after.stderr
        assert took < 15, f"a command after the daemon stopped mid-command took {took:.1f} s"
        assert STARTING in after.stderr, f"no new daemon was started: {after.stderr!r}"
        assert "1 commands served" in daemon.verb().stdout, "the new daemon did not serve the command"
        out, _ = command.communicate(timeout=COMMAND_TIMEOUT)
        # As graded without a daemon (tests/hostile.py): the looping ReLU runs to its timeout (its runs
        # were not ended with the daemon) and loses its 2 points, no more.
        assert command.returncode == 0 and "Total: 8.00 / 10" in out and "timed out after 10 s" in out, \
            f"stopping the daemon changed how the command it was running ended: {out[-900:]}"
    finally:
        command.kill()
        command.wait()


def test_a_lock_held_without_a_daemon_costs_a_command_a_second_at_most(daemon):
    import fcntl

    path = address.socket_path({**os.environ, **daemon.env})
    with open(path[:-len(".sock")] + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)               # a daemon's lock, and no socket: the new one gives up
        started = time.monotonic()
        done = daemon.grade(HANDOUT_DIR)
        took = time.monotonic() - started
    assert done.returncode == 0 and "Total: 0.00 / 10" in done.stdout, done.stderr
    assert took < 10, f"the command waited {took:.1f} s for a daemon that could not start"
    assert not daemon.sockets(), f"a daemon started without its lock: {daemon.sockets()}"


def test_an_idle_daemon_exits_and_takes_its_socket_with_it(daemon):
    done = daemon.grade(HANDOUT_DIR, env={address.IDLE_VARIABLE: "1"})
    assert done.returncode == 0, done.stderr
    assert wait_until(lambda: not processes_of(daemon.folder) and not daemon.sockets(), 15), \
        f"an idle daemon (1 s) is still there: {processes_of(daemon.folder)}, {daemon.sockets()}"


def test_a_daemon_whose_grader_changed_leaves(daemon, monkeypatch):
    daemon.grade(HANDOUT_DIR)
    assert processes_of(daemon.folder), "no daemon was started"
    changed = REPO_ROOT / "autograder" / "daemon" / "__init__.py"
    times = changed.stat()
    try:
        os.utime(changed, ns=(times.st_atime_ns, times.st_mtime_ns + 1_000_000_000))
        assert wait_until(lambda: not processes_of(daemon.folder)), "a daemon of an older grader stayed"
    finally:
        os.utime(changed, ns=(times.st_atime_ns, times.st_mtime_ns))


def test_stop_stops_it(daemon):
    daemon.grade(HANDOUT_DIR)
    assert processes_of(daemon.folder), "no daemon was started"
    stopped = daemon.verb("--stop")
    assert stopped.returncode == 0 and "stopped 1" in stopped.stdout, stopped
    assert wait_until(lambda: not processes_of(daemon.folder)), "the daemon outlived --stop"
    assert "no grader daemon" in daemon.verb().stdout, "the verb still lists a daemon"


@pytest.mark.parametrize("mode", [0o755, 0o701])
def test_a_folder_open_to_others_means_no_daemon(daemon, mode):
    os.chmod(daemon.folder, mode)
    done = daemon.grade(HANDOUT_DIR)
    assert done.returncode == 0 and "Total: 0.00 / 10" in done.stdout, done.stderr
    assert STARTING not in done.stderr and not daemon.sockets(), "a daemon started in a folder others can enter"


@pytest.mark.skipif(os.geteuid() != 0, reason="giving the folder to another user needs root")
def test_a_folder_of_another_user_means_no_daemon(daemon):
    os.chown(daemon.folder, 65534, 65534)
    assert address.folder({address.DIR_VARIABLE: daemon.folder}) is None, "another user's folder was trusted"
    done = daemon.grade(HANDOUT_DIR)
    assert done.returncode == 0 and STARTING not in done.stderr, done.stderr


def test_the_key_changes_with_a_source_the_interpreter_or_the_environment(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in (*address.SOURCE_FILES, *address.SOURCE_TREES):
        source = REPO_ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, repo / name)
    monkeypatch.setattr(address, "REPO", str(repo))
    first = address.key({})
    assert address.key({}) == first, "the key is not stable"
    assert address.key({"TMPDIR": "/var/tmp"}) != first, "TMPDIR (the scratch folders' place) is not in the key"
    assert address.key({"HOME": "/elsewhere"}) == first, "an environment variable the grader ignores changed the key"
    monkeypatch.setattr(sys, "executable", sys.executable + "-other")
    assert address.key({}) != first, "another interpreter did not change the key"
    monkeypatch.undo()
    packages = tmp_path / "venv" / "site-packages"
    packages.mkdir(parents=True)
    monkeypatch.setattr(address, "REPO", str(repo))
    monkeypatch.setattr(sys, "path", [*sys.path, str(packages)])
    with_packages = address.key({})
    (packages / "numpy-9.9.dist-info").mkdir()
    os.utime(packages, ns=(0, packages.stat().st_mtime_ns + 1_000_000_000))
    assert address.key({}) != with_packages, "a package installed did not change the key"
    monkeypatch.undo()
    monkeypatch.setattr(address, "REPO", str(repo))
    rubric = repo / "autograder" / "rubric.py"
    os.utime(rubric, ns=(rubric.stat().st_atime_ns, rubric.stat().st_mtime_ns + 1))
    assert address.key({}) != first, "a changed source did not change the key"


def test_a_relative_folder_is_the_commands_own(daemon, tmp_path):
    relative = os.path.relpath(daemon.folder, tmp_path)
    done = daemon.grade(HANDOUT_DIR, env={address.DIR_VARIABLE: relative}, cwd=tmp_path)
    again = daemon.grade(HANDOUT_DIR, env={address.DIR_VARIABLE: relative}, cwd=tmp_path)
    assert done.returncode == again.returncode == 0, (done.stderr, again.stderr)
    assert STARTING not in again.stderr and len(daemon.sockets()) == 1, \
        f"a relative NNHW_DAEMON_DIR did not reach the same daemon: {again.stderr!r}, {daemon.sockets()}"


def test_socket_folder_is_private(daemon):
    daemon.grade(HANDOUT_DIR)
    info = os.stat(daemon.folder)
    assert stat.S_IMODE(info.st_mode) == 0o700, f"the daemon folder is {oct(info.st_mode)}"
    for path in daemon.sockets():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{path} is open to others"
        assert client.peer_uid(client.connect(str(path))) == os.geteuid(), "the daemon is not this user's"


def test_an_inherited_fork_server_is_used_and_never_stopped_by_the_fork():
    from autograder.sandbox.forking import ForkServer

    server = ForkServer()
    try:
        assert server.start(), "the fork server did not start"
        pid = os.fork()
        if pid == 0:
            server.inherit()
            server.shutdown()                  # what a fork's exit would do: must leave the server alone
            os._exit(0)
        os.waitpid(pid, 0)
        assert server.alive(), "a fork's shutdown of an inherited server stopped it"
    finally:
        server.shutdown()
