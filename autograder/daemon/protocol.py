"""The messages between a command (``client.py``) and the daemon (``server.py``), one SOCK_SEQPACKET
message each, so that none is ever split or merged.

command -> daemon   a request: a ``marshal``-ed dict, ``{"verb": "grade", "argv", "cwd", "env", "umask",
                    "streams"}`` with the command's stdin, stdout and stderr as SCM_RIGHTS descriptors,
                    or ``{"verb": "status"}`` / ``{"verb": "stop"}``
daemon -> command   ``STARTED`` once the command runs (before it, nothing of the command has happened,
                    and the client may grade in its own process instead), then ``exit N`` or
                    ``INTERRUPTED``; for "status", one line of text
command -> daemon   ``INTERRUPT``: the TA pressed Ctrl-C (or the command was told to end)

The daemon only talks to processes of its own user (SO_PEERCRED), who could run the grader anyway.
"""

import marshal

MAX_MESSAGE = 1 << 20
STARTED = b"started"
INTERRUPT = b"interrupt"
INTERRUPTED = b"interrupted"
EXIT = b"exit "
STDIO = 3                                  # descriptors sent with a "grade" request: 0, 1, 2


def encode(request: dict) -> bytes:
    return marshal.dumps(request)


def decode(data: bytes) -> dict | None:
    """A request, or None when ``data`` is not one."""
    try:
        request = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None
    return request if isinstance(request, dict) and isinstance(request.get("verb"), str) else None


def exit_message(status: int) -> bytes:
    return EXIT + str(status).encode()


def exit_status(message: bytes) -> int | None:
    """N of ``exit N``; None for anything else."""
    if not message.startswith(EXIT):
        return None
    try:
        return int(message[len(EXIT):])
    except ValueError:
        return None
