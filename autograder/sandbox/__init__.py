"""The sandbox that runs untrusted student code in a child process.

``run_child`` runs one script under limits and returns a ``ChildOutcome``; ``read_results`` loads the
arrays it left in ``<scratch>/out``. As root, a run gets its own PID, mount, network, IPC and UTS
namespaces, its own unprivileged uid (``UID_BASE`` + a pid) without capabilities, and a read-only root
that shows the system, the interpreter, NumPy and scratch only; see ``jail.py`` for how, ``layout.py``
for what is visible. As root without namespaces (a container that forbids them), a run still gets its own
uid. A run is forked by the grader's fork server (``zygote.py``, ``forking.py``: one per grader process,
NumPy imported once) where no student can reach the server, else started as a fresh interpreter.
"""

from .child import run_child, warm_up
from .isolation import isolation_mode
from .launch import UID_BASE, SandboxError
from .limits import Limits
from .outcome import ChildOutcome
from .results import read_results

__all__ = ["UID_BASE", "ChildOutcome", "Limits", "SandboxError", "isolation_mode", "read_results", "run_child",
           "warm_up"]
