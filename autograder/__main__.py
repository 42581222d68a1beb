"""``python -m autograder VERB``: a thin command line over the autograder's API."""

import gc
import sys

# The verbs that run students' code. Their sandbox's fork server is started here, once, before anything
# else is imported, so that its own start (the sandbox's mode probe, then a process importing NumPy) runs
# on another core while this one imports the grader.
GRADING_VERBS = ("grade", "grade-all", "gradescope-run", "demo")


# The verb the user's grader daemon runs (``daemon/``): one submission, where start-up is most of the cost.
# Handed to the daemon first, before anything of the grader is imported; graded here only when no daemon
# takes it (NNHW_DAEMON=0, no private folder for its socket, or a daemon that cannot start).
DAEMON_VERBS = ("grade",)


def _grades(argv, verbs=GRADING_VERBS):
    return bool(argv) and argv[0] in verbs and not {"-h", "--help"} & set(argv)


if _grades(sys.argv[1:], DAEMON_VERBS):
    from .daemon.client import run as run_in_daemon

    served = run_in_daemon(sys.argv[1:])
    if served is not None:             # else no daemon took it, and nothing of it ran: graded here
        raise SystemExit(served)

if _grades(sys.argv[1:]):
    from .sandbox import warm_up

    warm_up()

from .cli import main  # noqa: E402  (after the fork server's start)

status = main()
# The work is done and written: the interpreter's last garbage collections would only walk the objects of
# NumPy, rich and the grader to free memory the exit frees anyway (~20 ms here). Frozen, they are skipped;
# atexit handlers (the fork server's stop), weakref finalizers and the flushing of stdout still run.
gc.freeze()
raise SystemExit(status)
