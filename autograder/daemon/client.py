"""The command's side: ``python -m autograder grade ...`` run by the user's grader daemon.

The command hands the daemon its arguments, folder, environment, umask and its stdin, stdout and stderr
themselves (their descriptors), so that what the daemon's fork writes is what the command would have
written, to the same terminal, pipe or file, at the same width. It forwards Ctrl-C, and exits with
the status the grading ended with. When there is no daemon it starts one (which warms up, then takes
the command), and when no daemon can take the command it says so by returning None: nothing of the
command has run, and ``__main__`` grades in its own process, as with ``NNHW_DAEMON=0``.

Imports stay few and cheap (``_socket``, ``_signal``): they are most of what a command costs here.
"""

import _signal
import _socket
import os
import sys
import time

from . import address, protocol

START_TIMEOUT = 60.0           # seconds for a new daemon to warm up (imports, fork server, one grade)
CONNECT_POLL = 0.01            # seconds between tries to reach a daemon being started
# Seconds to go on trying after the daemon started here ended at once (another held the socket's lock,
# and that one listens within milliseconds of taking it).
LOST_RACE_GRACE = 1.0
FORWARDED_SIGNALS = (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP)


def run(argv: list[str]) -> int | None:
    """``python -m autograder *argv`` run by the daemon: its exit status; None when no daemon took it."""
    if not address.enabled():
        return None
    path = address.socket_path()
    if path is None:
        return None
    connection = connect(path)
    if connection is None:
        daemon = _start(path)
        connection = daemon and _wait_for(path, daemon)
        if connection is None:
            return None
    try:
        return _command(connection, argv, path)
    finally:
        connection.close()


def connect(path: str):
    """A connection to the daemon listening at ``path``, if one of this user's does; else None."""
    connection = _socket.socket(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)
    try:
        connection.connect(path)
        if peer_uid(connection) == os.geteuid():
            return connection
    except OSError:
        pass
    connection.close()
    return None


def peer_uid(connection) -> int:
    """The uid of the process at the other end of a unix socket (SO_PEERCRED: pid, uid, gid)."""
    credentials = connection.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
    return int.from_bytes(credentials[4:8], sys.byteorder)


def log_path(path: str) -> str:
    """The daemon's log (its stderr), beside its socket."""
    return path[:-len(".sock")] + ".log"


def _start(path):
    """Start a daemon for ``path`` in its own session; its Popen, or None."""
    import subprocess

    from ..messages import default_lang, text, msg
    try:
        with open(log_path(path), "ab") as log:
            daemon = subprocess.Popen([sys.executable, "-m", "autograder.daemon.server", path], cwd=address.REPO,
                                      stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    except OSError:
        return None
    minutes = f"{address.idle_seconds() / 60:g}"
    print(text(msg("daemon:starting", minutes=minutes, switch=f"{address.SWITCH}=0"), default_lang()),
          file=sys.stderr, flush=True)
    return daemon


def _wait_for(path, daemon):
    """A connection once the daemon started for ``path`` (or one started meanwhile by another command)
    listens; None if it ended first, or after START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        connection = connect(path)
        if connection is not None:
            return connection
        if daemon.poll() is not None:
            if daemon.returncode != 0:
                return None
            deadline = min(deadline, time.monotonic() + LOST_RACE_GRACE)
        time.sleep(CONNECT_POLL)
    return None


def _stdio():
    """Descriptors 0, 1 and 2, with /dev/null in place of a closed one (the command's own would be
    closed too); and those opened here, to close."""
    fds, opened = [], []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            opened.append(os.open(os.devnull, os.O_RDWR))
            fds.append(opened[-1])
    return fds, opened


def _request(argv):
    umask = os.umask(0o022)
    os.umask(umask)
    streams = [(stream.encoding, stream.errors, stream.line_buffering) if stream is not None else None
               for stream in (sys.stdout, sys.stderr)]
    return {"verb": "grade", "argv": list(argv), "cwd": os.getcwd(), "env": dict(os.environ), "umask": umask,
            "streams": streams}


def _command(connection, argv, path):
    fds, opened = _stdio()
    try:
        rights = b"".join(fd.to_bytes(4, sys.byteorder) for fd in fds)
        connection.sendmsg([protocol.encode(_request(argv))],
                           [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])
        connection.settimeout(START_TIMEOUT)
        started = connection.recv(protocol.MAX_MESSAGE)
    except OSError:
        return None
    finally:
        for fd in opened:
            os.close(fd)
    if started != protocol.STARTED:
        return None                        # nothing ran: the caller grades in its own process
    connection.settimeout(None)
    return _await_end(connection, path)


def _await_end(connection, path):
    """The command runs in the daemon: forward Ctrl-C (and SIGTERM, SIGHUP) until its end comes."""
    def forward(number, frame):
        try:
            connection.send(protocol.INTERRUPT)
        except OSError:
            pass
    previous = {number: _signal.signal(number, forward) for number in FORWARDED_SIGNALS}
    try:
        while True:
            try:
                message = connection.recv(protocol.MAX_MESSAGE)
            except OSError:
                message = b""
            if message == protocol.INTERRUPTED:
                # As the interpreter ends on an uncaught KeyboardInterrupt: by SIGINT, for the shell.
                _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
                os.kill(os.getpid(), _signal.SIGINT)
            status = protocol.exit_status(message)
            if status is not None:
                return status
            if not message:
                print(f"autograder grade: error: the grader daemon ended this command without an exit status "
                      f"(its log: {log_path(path)})", file=sys.stderr)
                return 1
    finally:
        for number, handler in previous.items():
            _signal.signal(number, handler)


# --- the `daemon` verb ---------------------------------------------------------------------------------

def sockets() -> list[str]:
    """The sockets in this user's daemon folder (of any key; a daemon that died leaves its socket)."""
    where = address.folder()
    if where is None:
        return []
    return sorted(os.path.join(where, name) for name in os.listdir(where) if name.endswith(".sock"))


def ask(path: str, verb: str) -> str | None:
    """The daemon at ``path``'s answer to "status" or "stop"; None when no daemon listens there."""
    connection = connect(path)
    if connection is None:
        return None
    try:
        connection.settimeout(START_TIMEOUT)
        connection.send(protocol.encode({"verb": verb}))
        return connection.recv(protocol.MAX_MESSAGE).decode(errors="replace") or None
    except OSError:
        return None
    finally:
        connection.close()


def stop(path: str) -> bool:
    """Stop the daemon at ``path`` and wait (a few seconds at most) until it no longer listens."""
    if ask(path, "stop") is None:
        return False
    deadline = time.monotonic() + 5.0
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(CONNECT_POLL)
    return True
