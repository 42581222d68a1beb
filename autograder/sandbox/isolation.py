"""Which sandbox this machine allows, found once per grader process by trying it."""

import functools
import os
import tempfile
import threading
from pathlib import Path

from .launch import UID_BASE, SandboxError, launch
from .limits import Limits

# Tried in this order; "none" always works.
MODES_AS_ROOT = ("root", "userns")
MODES_AS_USER = ("userns",)
NAMESPACED = "read-only whitelisted root, scratch on a tmpfs of its memory limit, no network"


def describe(mode: str, uid: str, seccomp: str = "on") -> str:
    """The ``ChildOutcome.isolation`` of a run. ``seccomp``: "on", or why the run had no syscall filter:
    then it starts with "reduced", which the TA is told of."""
    common = f"no capabilities, no_new_privs, {'syscall filter, ' if seccomp == 'on' else ''}"
    if mode == "root":
        text = f"namespaces pid+mount+net+ipc+uts, uid {uid} (its own), {common}{NAMESPACED}"
    elif mode == "userns":
        text = (f"namespaces user+pid+mount+net+ipc+uts, uid 0 of its own user namespace "
                f"(uid {os.geteuid()} outside), {common}{NAMESPACED}")
    elif uid.isdigit() and int(uid) >= UID_BASE:
        text = (f"reduced: no namespaces (not permitted here), uid {uid} (its own), {common}own session, "
                f"rlimits, its files removed after it; the child sees the machine's files and processes "
                f"and can read what any user can")
    else:
        text = (f"reduced: no namespaces (not root, and user namespaces unavailable): {common}own session, "
                f"rlimits, best-effort cleanup; the child runs as the grader's user and can read what it can")
    return text if seccomp == "on" else f"reduced: no syscall filter ({seccomp}); {text.removeprefix('reduced: ')}"


def probe(mode: str) -> bool:
    """True when a trivial child runs to "ok" in ``mode``."""
    with tempfile.TemporaryDirectory(prefix="nnhw-probe-") as scratch:
        try:
            outcome = launch(mode, Path(scratch), ["-I", "-S", "-c", "pass"], Limits(timeout=10), describe)
        except SandboxError:
            return False
    return outcome.ok


_PROBING = threading.Lock()


def isolation_mode() -> str:
    """"root", "userns" or "none": the strongest sandbox that works here, found once per process (threads
    asking while it is being found wait for that one probe)."""
    with _PROBING:
        return _probed_mode()


@functools.cache
def _probed_mode() -> str:
    for mode in MODES_AS_ROOT if os.geteuid() == 0 else MODES_AS_USER:
        if probe(mode):
            return mode
    return "none"
