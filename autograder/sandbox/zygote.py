"""The grader's fork server, run as ``python -P -s -B zygote.py FD AHEAD [TRUSTED ...]``; never imported
by the grader.

A fresh sandboxed run pays for an interpreter and ``import numpy`` (~0.1 s here), about all of what a
section costs. This process pays that once per grader process: it imports NumPy (one BLAS thread: the
environment is ``launch.CHILD_ENV``, set before the import) and ``jail.py``, then forks one run per
request read from the socket FD, which does what ``jail.py`` does for a fresh run: namespaces, a root
built for the run, its own uid, limits, supervision, except that the student's process runs the script
in-process instead of exec'ing a new interpreter. As root, a run is prepared (see "prepared runs"
below): the server makes the run's namespaces itself and forks the run's supervisor straight into them
(a fresh run's outer process only waits, and a fork of this process costs ~4 ms of CPU), and AHEAD
runs can be prepared before they are asked for. Elsewhere (a user namespace cannot be left) it forks
``jail.run``'s launcher.

Isolation is the fresh run's: the server is never touched by student code (a run is a fork of a fork of
it, in its own PID namespace and as another uid, so it can neither see, signal nor trace the server or
another run), whatever a run changes in its memory dies with it, and its files live in its own scratch and
/tmp. The server holds nothing secret: NumPy and this directory's launcher code; never the reference.

TRUSTED are source files of the grader's own (the probes' runner, the handout's modules) that the server
compiles once: a run that executes or imports a file holding exactly those bytes gets that code (named
after the run's file) instead of compiling it again, ~15 ms a section. Nothing a student writes is
compiled here: a file that differs by one byte is compiled in the run, as Python would.

A request is one SOCK_SEQPACKET message: a ``marshal`` config (``launch._config``, plus ``script_argv``)
with three file descriptors: the run's output pipe, its status pipe and its kill pipe (read end). The
server answers nothing; a run reports on its status pipe as ``jail.py`` does. The server exits at the
socket's end, that is when the grader process ends; a run in flight ends when its kill pipe ends, and
a prepared run that was never asked for ends with the server.
"""

import _imp
import _signal as signal
import errno
import marshal
import os
import select
import socket
import sys
import time
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jail  # noqa: E402

del sys.path[0]
import numpy  # noqa: E402  (the point of this process)

MAX_FD = 1 << 16
MAX_REQUEST = 1 << 20
COMPILED = {}                  # trusted source bytes -> code object
RENAMED = set()                # in a run: the trusted sources whose code ``compiled`` renamed in place
# The host's /dev/null, opened once: a run's stdin. Opened by a fork already in the run's mount namespace,
# it would be the copy's, which the run's new root detaches (its path would read "/null").
DEV_NULL = os.open("/dev/null", os.O_RDWR)


def compile_trusted(paths):
    for path in paths:
        try:
            with open(path, "rb") as stream:
                source = stream.read()
            COMPILED[source] = compile(source, path, "exec", dont_inherit=True)
        except (OSError, SyntaxError, ValueError):      # a file being rewritten: compiled in each run
            pass


def named(code, filename):
    """``code`` and the code objects inside it, as if compiled from ``filename``."""
    consts = tuple(named(c, filename) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def compiled(source, filename):
    """What ``compile(source, filename, "exec")`` gives, from the trusted cache when it holds ``source``.

    Called in a run only: the run's copy of the cache is its own, so the first use of a trusted source
    renames its code in place, as the import system renames code read from a .pyc (~5x cheaper than
    ``named``'s copy, 0.5 ms a run); the same bytes once more under another name get a renamed copy.
    """
    source = bytes(source)
    code = COMPILED.get(source)
    if code is None:
        return compile(source, filename, "exec", dont_inherit=True)
    if source in RENAMED:
        return named(code, filename)
    RENAMED.add(source)
    _imp._fix_co_filename(code, filename)
    return code


def use_compiled_imports():
    """Imports from source go through ``compiled`` (the import system's own compile, cached)."""
    from importlib.machinery import SourceFileLoader

    def source_to_code(self, data, path, *, _optimize=-1):
        return compiled(data, path)
    SourceFileLoader.source_to_code = source_to_code


def warm_up():
    """Import what a run always needs and NumPy imports lazily: its random generators (seeded in every
    run), ~15 ms a run; and ``dataclasses``, which the handout's ``grad_check`` imports, 1.5 ms. Not
    ``zipfile`` (``np.savez``): the probes write their results without it."""
    import dataclasses  # noqa: F401
    import pickle  # noqa: F401  (the probes' inputs)
    import traceback  # noqa: F401  (the probes' error reports)
    numpy.random.default_rng(0).random(2)


def close_all_but(keep):
    previous = -1
    for fd in sorted(keep) + [MAX_FD]:
        if fd > previous + 1:
            os.closerange(previous + 1, fd)
        previous = fd


def exit_code(error):
    """What the interpreter makes of an uncaught SystemExit."""
    if error.code is None:
        return 0
    if isinstance(error.code, int):
        return error.code & 0xFF
    print(error.code, file=sys.stderr)
    return 1


def run_script(argv):
    """``python -P -s -B argv[0] *argv[1:]`` in this process: exit status, or -SIGINT, as the interpreter."""
    import builtins
    import types
    sys.argv = list(argv)
    main = types.ModuleType("__main__")
    main.__file__, main.__builtins__ = argv[0], builtins
    sys.modules["__main__"] = main
    try:
        with open(argv[0], "rb") as stream:
            source = stream.read()
    except OSError as error:
        print(f"{sys.executable}: can't open file {argv[0]!r}: [Errno {error.errno}] {error.strerror}",
              file=sys.stderr)
        return 2
    try:
        exec(compiled(source, argv[0]), main.__dict__)
        code = 0
    except SystemExit as error:
        code = exit_code(error)
    except BaseException as error:         # noqa: B036 - the interpreter prints it and exits 1
        sys.excepthook(type(error), error, error.__traceback__)
        code = -signal.SIGINT if isinstance(error, KeyboardInterrupt) else 1
    return code


def finish(code):
    """End as the interpreter does: join threads, run atexit, flush; a KeyboardInterrupt ends by SIGINT."""
    import atexit
    import threading
    for step in (threading._shutdown, atexit._run_exitfuncs):
        try:
            step()
        except BaseException:              # noqa: B036
            pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:              # noqa: B036
            code = code or 120
    if code == -signal.SIGINT:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(code if code >= 0 else 1)


def start_in_process(config):
    """``jail.exec_student``'s last step, without exec: limits, uid and cwd are in place. Never returns."""
    try:
        close_all_but({0, 1, 2})           # the status and kill pipes, anything of the server's
        # The server's environment is the run's but HOME: clearing and refilling it would cost ~0.2 ms
        # of copy-on-write faults.
        env = config["env"]
        for key in [key for key in os.environ if key not in env]:
            del os.environ[key]
        for key, value in env.items():
            if os.environ.get(key) != value:
                os.environ[key] = value
        # As a fresh interpreter starts: Ctrl-C is KeyboardInterrupt, SIGPIPE and SIGXFSZ are ignored
        # (a write then fails with an exception), and the random generators are seeded afresh.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        numpy.random.seed()
        if "random" in sys.modules:
            sys.modules["random"].seed()
        use_compiled_imports()
        code = run_script(config["script_argv"])
    except BaseException:                  # noqa: B036 - never unwind into the launcher's code
        code = 1
    finish(code)


def adopt(config, fds, keep=()):
    """In a fork: the run's ``config``, with the run's output on 0-2's places and the status and kill
    pipes moved above them; every other descriptor of the server closed but ``keep``. Exits 125 when
    that fails (the grader then sees a run without report)."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)    # the server reaps by ignoring; a launcher waits
        output, status, kill = fds
        for fd, target in ((DEV_NULL, 0), (output, 1), (output, 2)):
            os.dup2(fd, target)
        moved_status, moved_kill = os.dup(status), os.dup(kill)   # above 2 and distinct
        close_all_but({0, 1, 2, moved_status, moved_kill, *keep})
        os.set_blocking(moved_kill, False)
        config["status_fd"], config["kill_fd"] = moved_status, moved_kill
        return config
    except BaseException:                  # noqa: B036
        os._exit(125)


def launch_run(config, fds):
    """In the fork: become the run's launcher (``jail.run``). Never returns."""
    config = adopt(config, fds)
    try:
        # As a fresh launcher is: a user namespace's maps are written through /proc/self, which a
        # process that is not dumpable does not own; jail.py makes it undumpable once they are.
        jail.prctl(jail.PR_SET_DUMPABLE, 1)
    except BaseException:                  # noqa: B036 - the grader sees a run without report
        os._exit(125)
    jail.run(config, start_in_process)


# --- prepared runs (mode "root") ---------------------------------------------------------------------
#
# As root, a run is made here in two steps. Prepared: the server makes the run's namespaces, forks its
# supervisor straight into them and comes back to its own at once (a fresh run's outer process only
# waits); the supervisor builds the run's root without the scratch folder, forks the student's process,
# which takes the run's limits, uid and no privileges, and both wait. Told: the request's scratch folder,
# cloned here as a detached mount (``jail.open_tree``), is mounted into the run's root and given to the
# run's uid, and the student runs the script. The run is then what ``jail.run_outer`` makes. Where the
# kernel cannot mount the clone (before Linux 5.2), the server stops preparing and forks launchers.
#
# A request takes a run prepared ahead for the same limits and layout, or one prepared on the spot.
# With ``AHEAD`` > 0 (the grader daemon's server), the server prepares runs for the last request's
# limits and layout whenever it had no request for ``IDLE_SECONDS``, at the idle scheduling class
# (they take only CPU nobody wants), up to ``AHEAD`` of them: ~8 ms of a section's run is done before
# its request. A prepared run holds nothing of any submission; it ends unused when the server ends or
# the limits change.

OWN_NAMESPACES = ((jail.CLONE_NEWNS, "mnt"), (jail.CLONE_NEWNET, "net"), (jail.CLONE_NEWIPC, "ipc"),
                  (jail.CLONE_NEWUTS, "uts"), (jail.CLONE_NEWPID, "pid"))
OWN_NAMESPACE_FDS = {}
AHEAD = 0                      # runs to prepare ahead (argv[2])
IDLE_SECONDS = 0.05
PREPARED = []                  # control sockets of runs prepared ahead and ready, oldest first
SUPERVISORS = {}               # control socket -> its supervisor's pid, until the run is told
PREPARING = set()              # control sockets of runs prepared ahead, not ready yet
TOLD = set()                   # control sockets of runs told their request, until they mount its scratch
TEMPLATE = None                # (key, template) of the last request that a prepared run could serve
CANNOT_PREPARE = False         # once a scratch folder could not be mounted: every run goes through jail.run


def open_own_namespaces():
    for flag, name in OWN_NAMESPACES:
        OWN_NAMESPACE_FDS[flag] = os.open(f"/proc/self/ns/{name}", os.O_RDONLY | os.O_CLOEXEC)


def template_of(config):
    """(key, template): what a run prepared for ``config`` is made of (its limits, uid base and layout
    but the scratch folder); None when its scratch folder cannot be mounted last."""
    scratch = config.get("scratch")
    entry = ("rw", scratch, scratch)
    layout = [tuple(e) for e in config.get("layout", ())]
    rest = [e for e in layout if e != entry]
    if config.get("mode") != "root" or len(rest) != len(layout) - 1 or \
            any(dest == scratch or dest.startswith(scratch.rstrip("/") + "/") for _, _, dest in rest):
        return None
    template = {"mode": "root", "uid_base": config["uid_base"], "rlimits": config["rlimits"], "layout": rest}
    return marshal.dumps((template["uid_base"], template["rlimits"], rest)), template


def prepare(template, ahead):
    """A prepared run's control socket (the server's end), or None when its namespaces or its fork
    could not be made. ``ahead``: made before its request, at the idle scheduling class."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        jail.check(jail.libc.unshare(jail.NAMESPACES), "unshare")
    except OSError:
        ours.close()
        theirs.close()
        return None
    try:
        pid = os.fork()
        if pid == 0:
            try:
                prepared_supervisor({**template, "ahead": ahead}, theirs)
            finally:
                os._exit(125)              # never back into the server's loop
        SUPERVISORS[ours] = pid
    except OSError:
        ours.close()
        ours = None
    finally:
        theirs.close()
        for flag, _ in OWN_NAMESPACES:
            if jail.libc.setns(OWN_NAMESPACE_FDS[flag], flag) != 0:
                os._exit(1)                # never serve from a run's namespaces: the grader starts another
    return ours


def prepared_supervisor(template, control):
    """PID 1 of a prepared run (see above); never returns."""
    try:
        if template["ahead"]:              # only CPU that nobody wants (the server moves it out when told)
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        jail.prctl(jail.PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != 0:              # the server died before the line above
            os._exit(125)
        close_all_but({0, 1, 2, DEV_NULL, control.fileno()})
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)      # PID 1, as jail.run_supervisor
        os.umask(0o022)
        uid = gid = template["uid_base"] + int(os.readlink("/proc/self"))   # this pid, unique on the host
        jail.build_root(template["layout"])
        jail.prctl(jail.PR_SET_DUMPABLE, 0)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # Until it is told, the student's process reports on its socket: "ready", or a failed start,
        # which becomes the run's report once there is a run (see told).
        student = jail.fork_student({**template, "status_fd": theirs.fileno(), "scratch": "/"}, uid, gid,
                                    lambda prepared: start_when_told(prepared, theirs))
        theirs.close()
        started = ours.recv(1 << 16)
        if started != b"ready":
            started = started or b"error could not start the child: it ended before it was told its run\n"
        try:
            control.send(b"ready")
        except OSError:                    # prepared on the spot: the server sent the request and left
            pass
        data, fds, _, _ = socket.recv_fds(control, MAX_REQUEST, 4)
    except BaseException:                  # noqa: B036 - a run nobody asked for yet: no report to make
        os._exit(125)
    if len(fds) != 4:                      # the server ended, or dropped this run
        os._exit(0)                        # as PID 1: the student dies with it
    told(template, control, data, fds, uid, student, ours, started)


def told(template, control, data, fds, uid, student, to_student, started):
    """A prepared run's supervisor, told its request: mount the scratch folder, give it to the run's
    uid, start the student, supervise. Never returns."""
    *pipes, tree = fds
    try:
        config = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        os._exit(0)
    config = adopt(config, pipes, keep={tree, to_student.fileno(), control.fileno()})
    if started != b"ready":                # the student's process could not take its limits or uid
        os.write(config["status_fd"], started)
        os._exit(0)
    try:
        jail.attach(tree, config["scratch"])
        os.close(tree)
    except OSError:
        # This kernel cannot mount a detached tree here: no report, so the grader runs it afresh, and
        # the server prepares no more runs.
        control.send(b"failed")
        os._exit(0)
    control.close()
    try:
        if template["ahead"]:              # a run is not at the idle class (the server moved this one)
            os.sched_setscheduler(student, os.SCHED_OTHER, os.sched_param(0))
        jail.chown_tree(config["scratch"], uid, uid)
        jail.report(config, "uid", uid)
        jail.report(config, "prepared", "ahead" if template["ahead"] else "now")
        socket.send_fds(to_student, [data], [1, config["status_fd"]])
        to_student.close()
    except BaseException as error:         # noqa: B036
        jail.report(config, "error", f"could not build the sandbox: {type(error).__name__}: {error}")
        os._exit(125)
    jail.watch(config, uid, student)


def start_when_told(prepared, sock):
    """The student's process of a prepared run, its limits, uid and privileges in place: wait for the
    run's config, output and status pipe, then go on as ``jail.exec_student`` does."""
    sock.send(b"ready")
    data, fds, _, _ = socket.recv_fds(sock, MAX_REQUEST, 2)
    if len(fds) != 2:                      # its supervisor died
        os._exit(125)
    output, prepared["status_fd"] = fds    # from here a failed start is reported to the grader
    config = marshal.loads(data)
    config["status_fd"] = prepared["status_fd"]
    for target in (1, 2):
        os.dup2(output, target)
    os.chdir(config["scratch"])
    start_in_process(config)


def go(data, config, fds):
    """Mode "root": hand the request to a prepared run; False when none can take it (the caller forks
    a launcher, which builds the run or reports why not)."""
    global TEMPLATE
    made = None if CANNOT_PREPARE or not OWN_NAMESPACE_FDS else template_of(config)
    if made is None:
        return False
    if TEMPLATE is None or TEMPLATE[0] != made[0]:
        TEMPLATE = made
        drop_prepared()
    try:
        tree = jail.open_tree(config["scratch"])
    except OSError as error:
        if error.errno in (errno.ENOSYS, errno.EPERM):     # this kernel, or this machine's policy
            cannot_prepare()
        return False
    try:
        while PREPARED:
            if tell(PREPARED.pop(0), data, fds, tree):
                return True
        control = prepare(made[1], ahead=False)
        return control is not None and tell(control, data, fds, tree)
    finally:
        os.close(tree)


def tell(control, data, fds, tree):
    """Hand the request to the prepared run of ``control``; False when it died."""
    try:
        # Out of the idle class before it is told: a busy machine would not run it otherwise.
        # (Its student's process waits for its word, which moves it out too.)
        os.sched_setscheduler(SUPERVISORS.pop(control), os.SCHED_OTHER, os.sched_param(0))
        socket.send_fds(control, [data], [*fds, tree])
    except OSError:
        control.close()
        return False
    TOLD.add(control)                      # until its supervisor says whether the mount was made
    return True


def cannot_prepare():
    global CANNOT_PREPARE
    CANNOT_PREPARE = True
    drop_prepared()


def drop_prepared():
    """End every run prepared ahead and not told (their supervisors exit at their socket's end)."""
    for control in PREPARED + list(PREPARING):
        SUPERVISORS.pop(control, None)
        control.close()
    PREPARED.clear()
    PREPARING.clear()


def wants_more():
    return AHEAD and TEMPLATE is not None and not CANNOT_PREPARE and len(PREPARED) + len(PREPARING) < AHEAD


def heard(control):
    """A prepared run's supervisor said something, or ended."""
    try:
        said = control.recv(16)
    except OSError:
        said = b""
    if control in PREPARING:
        PREPARING.remove(control)
        if said == b"ready":
            PREPARED.append(control)
            return
        SUPERVISORS.pop(control, None)
    elif control in PREPARED:              # it died waiting
        PREPARED.remove(control)
        SUPERVISORS.pop(control, None)
    elif said == b"ready":                 # prepared on the spot: told already
        return
    else:
        TOLD.discard(control)
        if said == b"failed":
            cannot_prepare()
    control.close()


def serve(sock):
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)     # launchers are reaped by the kernel
    sock.sendall(b"ready")
    last_request = time.monotonic()
    while True:
        idle = max(0.0, last_request + IDLE_SECONDS - time.monotonic()) if wants_more() else None
        readable, _, _ = select.select([sock, *PREPARING, *PREPARED, *TOLD], [], [], idle)
        if not readable:                   # nothing to do: one more run for the last request's limits
            control = prepare(TEMPLATE[1], ahead=True)
            if control is not None:
                PREPARING.add(control)
        for control in readable:
            if control is not sock:
                heard(control)
        if sock in readable:
            serve_one(sock)
            last_request = time.monotonic()


def serve_one(sock):
    try:
        data, fds, _, _ = socket.recv_fds(sock, MAX_REQUEST, 3)
    except OSError:
        os._exit(0)
    if not data:                           # the grader process ended
        os._exit(0)
    try:
        config = marshal.loads(data)       # the grader's: launch.run_config
    except (EOFError, ValueError, TypeError):
        config = None
    if len(fds) == 3 and isinstance(config, dict) and not (config.get("mode") == "root" and go(data, config, fds)):
        try:
            if os.fork() == 0:
                sock.close()
                launch_run(config, fds)
        except OSError:                    # no fork: the grader sees a run without report, and retries
            pass
    for fd in fds:
        os.close(fd)


def main():
    global AHEAD
    jail.prctl(jail.PR_SET_DUMPABLE, 0)    # nobody attaches to the server, not even the grader's uid
    warm_up()
    AHEAD = int(sys.argv[2])
    compile_trusted(sys.argv[3:])
    if os.geteuid() == 0:
        open_own_namespaces()
    serve(socket.socket(fileno=int(sys.argv[1])))


if __name__ == "__main__":
    main()
