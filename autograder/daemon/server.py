"""The grader daemon: ``python -m autograder.daemon.server SOCKET``, started by a ``grade`` command.

A command's cost is mostly start-up: the interpreter, the grader's imports, the sandbox's fork server
(a second interpreter importing NumPy), the reference's arrays and the table's library. The daemon pays
them once, then serves each command from a fork of itself: a fresh copy of a warm grader that takes on
the command's folder, environment, umask and stdin/stdout/stderr (``client.py``), runs the command
line exactly as ``python -m autograder`` would, reports its exit status and ends. Nothing of one command
outlives it, and the daemon itself never runs a command, let alone student code: sections run in the
sandbox, forked by the fork server, as in any grader process.

One daemon per socket (its key, ``address.py``), held by an flock while it listens; it exits after
``address.idle_seconds()`` without commands, or when asked (``python -m autograder daemon --stop``, or
SIGTERM): it stops listening at once, and exits once the commands it runs have ended.
It talks only to processes of its own user (SO_PEERCRED). Its stderr is its log, beside the socket.
"""

import fcntl
import gc
import os
import signal
import socket
import sys
import threading
import time
import traceback

from ..sandbox.forking import fork_server
from . import address, protocol
from .client import peer_uid

REQUEST_TIMEOUT = 5.0          # seconds for a connected command to send its request
LOG_FD = 2
# The daemon's own descriptors (its lock and its listening socket), which a command's fork closes: a
# fork holding the lock would keep the next daemon from starting after this one ended.
OWN_FDS = []


def main(path: str) -> int:
    lock = os.open(path[:-len(".sock")] + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0                           # another daemon serves this socket (or is starting to)
    os.ftruncate(2, 0)                     # the log (stderr) is this daemon's alone
    global LOG_FD
    LOG_FD = os.dup(2)
    os.set_inheritable(LOG_FD, False)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    listener = listen(path)
    OWN_FDS.extend((lock, listener.fileno()))
    state = State()
    try:
        warm_up()
        serve(listener, path, state)
    finally:
        forget(path, listener)
        os.close(lock)                     # a new daemon may start now
        finish(state)
    return 0


def finish(state):
    """Wait for the commands still running: their sections' runs are forked by this daemon's fork
    server, which ends with it (a second SIGTERM does not wait)."""
    for pid in state.workers:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def listen(path):
    """The listening socket at ``path`` (a stale one, of a daemon that died, is replaced), mode 0600.
    Commands may connect at once; they wait in the backlog while the daemon warms up."""
    try:
        os.unlink(path)                    # the lock is ours: no live daemon listens there
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    previous = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(previous)
    listener.listen(64)
    return listener


def forget(path, listener):
    """Stop listening: new commands start a new daemon; those in the backlog grade in their own process."""
    try:
        os.unlink(path)                    # the lock is still ours: the socket at ``path`` is this daemon's
    except OSError:
        pass
    listener.close()


def warm_up():
    """What every command needs before it can start: the grader's and rich's imports, the fork server.
    The rest of a command's once-per-process work waits for ``warm_up_fully``."""
    import rich.console  # noqa: F401  (imported for every command, as the grading core and the table)

    from .. import cli, grade, render  # noqa: F401
    from ..rubric import SECTIONS
    from ..sandbox import warm_up as start_sandbox

    fork_server().ahead = len(SECTIONS)    # a command's runs are prepared while the daemon waits for it
    start_sandbox().join()
    cli.build_parser()
    cli._one_line_errors()
    gc.freeze()


def warm_up_fully():
    """Everything else a command would do once per process: the sections' packages, the reference's
    arrays and timings, a table drawn (rich's lazy imports). Done once no command runs, after the first
    (which does it for itself meanwhile, as a command in its own process would: the first command does
    not wait for this). Then the heap is frozen, so that a fork's garbage collections never copy it."""
    import io

    from rich.console import Console

    from ..grade import grade
    from ..paths import REFERENCE_DIR
    from ..render import render_terminal

    report = grade(REFERENCE_DIR)
    for lang in ("en", "zh"):
        render_terminal(report, lang=lang, console=Console(file=io.StringIO(), width=120, highlight=False))
    gc.collect()
    gc.freeze()


class State:
    def __init__(self):
        self.started = time.monotonic()
        self.last = self.started
        self.commands = 0
        self.workers = set()
        self.warm = False          # warm_up_fully done


def serve(listener, path, state):
    """Answer connections until idle for ``address.idle_seconds()``, asked to stop, or stale: once the
    grader's files changed, commands go to a new daemon (another key), and this one leaves when its own
    commands have ended."""
    idle = address.idle_seconds()
    key = os.path.basename(path)[:-len(".sock")]
    while True:
        reap(state)
        now = time.monotonic()
        if state.workers:
            state.last = now
        remaining = idle - (now - state.last)
        if remaining <= 0 or (not state.workers and address.key() != key):
            return
        if state.commands and not state.workers and not state.warm:
            warm_up_fully()
            state.warm = True
            continue
        # Wakes to reap the commands that ended; often, while the warm-up waits for them to end.
        listener.settimeout(min(remaining, 1.0 if state.warm or not state.commands else 0.02))
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        with connection:
            if peer_uid(connection) != os.geteuid():
                continue
            if not answer(connection, state):
                return
        state.last = time.monotonic()


def reap(state):
    for pid in list(state.workers):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            state.workers.discard(pid)


def answer(connection, state) -> bool:
    """Serve one connection; False when it asked the daemon to stop."""
    connection.settimeout(REQUEST_TIMEOUT)
    try:
        data, fds, _, _ = socket.recv_fds(connection, protocol.MAX_MESSAGE, protocol.STDIO)
    except OSError:
        return True
    try:
        request = protocol.decode(data)
        verb = request and request["verb"]
        if verb == "grade" and len(fds) == protocol.STDIO:
            state.commands += 1
            fork_server().start()          # one that died is replaced here, not in every command's fork
            pid = os.fork()
            if pid == 0:
                command(connection, request, fds)           # never returns
            state.workers.add(pid)
        elif verb == "status":
            reap(state)
            now = time.monotonic()
            connection.send(f"pid {os.getpid()}, up {now - state.started:.0f} s, idle {now - state.last:.0f} s, "
                            f"{state.commands} commands served, {len(state.workers)} running, "
                            f"{'warm' if state.warm else 'warming up'}".encode())
        elif verb == "stop":
            connection.send(b"stopping")
            return False
    except OSError:
        pass
    finally:
        for fd in fds:
            os.close(fd)
    return True


# --- a command, in a fork of the daemon ----------------------------------------------------------------

def command(connection, request, fds):
    """Become the command: its stdio, folder, environment and umask; run it; report; exit. Never returns."""
    try:
        for fd in OWN_FDS:
            os.close(fd)
        for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        adopt(request, fds)
        connection.settimeout(None)
        connection.send(protocol.STARTED)
    except BaseException:                  # noqa: B036 - the command gone, or not adoptable: nothing ran
        log(traceback.format_exc())
        os._exit(1)
    ended = threading.Event()
    threading.Thread(target=watch, args=(connection, ended), name="command-watch", daemon=True).start()
    status = run(request["argv"])
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:              # noqa: B036 - as the interpreter: a failed flush is status 120
            status = 120 if status is not None else status
    ended.set()
    try:
        connection.send(protocol.INTERRUPTED if status is None else protocol.exit_message(status))
    except OSError:
        pass
    os._exit(0)


def log(text):
    """A line in the daemon's log (its stderr, kept as LOG_FD: a command's fork has the command's)."""
    try:
        os.write(LOG_FD, f"{time.strftime('%Y-%m-%d %H:%M:%S')} pid {os.getpid()}: {text}\n".encode())
    except OSError:
        pass


def adopt(request, fds):
    """Take on the command's stdio, folder, environment and umask, and forget what this process cached
    from the daemon's (the temporary folder); the daemon's fork server is shared, never stopped here."""
    import tempfile

    for fd, target in zip(fds, (0, 1, 2)):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.umask(request["umask"])
    tempfile.tempdir = None
    stdout, stderr = request["streams"]
    sys.stdout = reopen(1, stdout)
    sys.stderr = reopen(2, stderr)
    sys.argv = [os.path.join(address.REPO, "autograder", "__main__.py"), *request["argv"]]
    fork_server().inherit()


def reopen(fd, stream):
    """A text stream on ``fd`` with the command's (encoding, errors, line_buffering)."""
    encoding, errors, line_buffering = stream or ("utf-8", "strict", False)
    return open(fd, "w", buffering=1 if line_buffering else -1, encoding=encoding, errors=errors, closefd=False)


def watch(connection, ended):
    """The command's Ctrl-C (or the command gone): a KeyboardInterrupt here, as it would be there."""
    try:
        connection.recv(protocol.MAX_MESSAGE)
    except OSError:
        pass
    if not ended.is_set():
        os.kill(os.getpid(), signal.SIGINT)


def run(argv) -> int | None:
    """``python -m autograder *argv`` in this process: its exit status, None for a KeyboardInterrupt."""
    from ..cli import main
    try:
        return main(argv) or 0
    except SystemExit as error:            # argparse's, the one raiser: --help (0) or a usage error (2)
        return error.code & 0xFF if isinstance(error.code, int) else 0 if error.code is None else 1
    except KeyboardInterrupt as error:
        traceback.print_exception(error)
        return None
    except BaseException as error:         # noqa: B036 - the interpreter prints it and exits 1
        sys.excepthook(type(error), error, error.__traceback__)
        return 1


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].endswith(".sock"):
        sys.exit("usage: python -m autograder.daemon.server SOCKET (a path ending in .sock)")
    sys.exit(main(sys.argv[1]))
