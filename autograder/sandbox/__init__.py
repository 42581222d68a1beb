"""The sandbox that runs untrusted student code in a child process.

``run_child`` runs one script under limits and returns a ``ChildOutcome``, whose ``Ending`` says how it
ended, as data; ``read_results`` loads the arrays it left in ``<scratch>/out``. As root, a run gets its own PID, mount, network, IPC and UTS
namespaces, its own unprivileged uid (``UID_BASE`` + a pid) without capabilities, and a read-only root
that shows the system, the interpreter, NumPy and scratch only; see ``jail.py`` for how, ``layout.py``
for what is visible. As root without namespaces (a container that forbids them), a run still gets its own
uid. Every run's process runs under a syscall filter (``syscalls.py``). ``scratch_root`` is the grader
process's folder for scratch folders (in memory when it can: ``scratch.py``).
A run is forked by the grader's fork server (``zygote.py``, ``forking.py``: one per grader process,
NumPy imported once) where no student can reach the server, else started as a fresh interpreter. The
sandbox knows nothing of the grader's files: what a run must not see, and what the fork server may load
ahead for it, are the caller's parameters.
"""

from .. import lazy_exports

# Each export is imported from its module on first use, not here: the grader starts the fork server
# (``warm_up``) before anything else, and the CLI needs ``Limits`` to build its parser, neither of which
# should wait for ``read_results``'s ``import numpy``.
_EXPORTS = {"UID_BASE": "launch", "ChildOutcome": "outcome", "Ending": "outcome", "Limits": "limits",
            "SandboxError": "launch", "isolation_mode": "isolation", "read_results": "results",
            "run_child": "child", "warm_up": "child", "scratch_root": "scratch"}

__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
