"""The grader's fork server, run as ``python -P -s -B zygote.py FD SETTINGS``; never imported by the
grader.

A fresh sandboxed run pays for an interpreter and ``import numpy``, about all of what a section costs.
This process pays that once per grader process: it imports NumPy (one BLAS thread: the environment is
``launch.CHILD_ENV``, set before the import) and ``jail.py``, then, for each request read from the
socket FD, forks a process that becomes the run's launcher (``jail.run``), as a fresh run's is, in every
mode: namespaces, a root built for the run, its own uid, limits, supervision. The one difference is that
the student's process runs the script in-process instead of exec'ing a new interpreter.

Isolation is the fresh run's: the server is never touched by student code (a run is a fork of a fork of
it, in its own PID namespace and as another uid, so it can neither see, signal nor trace the server or
another run), whatever a run changes in its memory dies with it, and its files live in its own scratch and
/tmp. The server holds nothing secret: NumPy, this directory's launcher code, and what it was told to
preload and precompile, which a run could read from memory: only what runs are shown anyway belongs there.

SETTINGS is a hex ``marshal`` dict from whoever started the server (``forking.ForkServer``): "preload",
modules the runs import, imported here once; and "precompiled", trusted source files that the server
compiles once: a run that executes or imports a file holding exactly those bytes gets that code (named
after the run's file) instead of compiling it again. Nothing a run writes is compiled here: a file that
differs by one byte is compiled in the run, as Python would.

A request is one SOCK_SEQPACKET message: a ``marshal`` config (``launch.run_config``, plus
``script_argv``) with three file descriptors: the run's output pipe, its status pipe and its kill pipe
(read end). The server answers nothing; a run reports on its status pipe as ``jail.py`` does. The server
exits at the socket's end, that is when the grader process ends; a run in flight ends when its kill pipe
ends.
"""

import _imp
import _signal as signal
import marshal
import os
import socket
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jail  # noqa: E402

del sys.path[0]
import numpy  # noqa: E402  (the point of this process)

MAX_FD = 1 << 16
MAX_REQUEST = 1 << 20
COMPILED = {}                  # trusted source bytes -> code object
RENAMED = set()                # in a run: the trusted sources whose code ``compiled`` renamed in place
DEV_NULL = os.open("/dev/null", os.O_RDWR)      # a run's stdin


def precompile(paths):
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
    renames its code in place, as the import system renames code read from a .pyc (cheaper than
    ``named``'s copy); the same bytes once more under another name get a renamed copy.
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


def warm_up(modules):
    """Import, once here rather than in every run, what runs import: NumPy's random generators, which
    NumPy imports lazily and every run's start seeds, and ``modules``, named by whoever started the
    server."""
    numpy.random.default_rng(0).random(2)
    for name in modules:
        try:
            __import__(name)
        except Exception:                  # noqa: BLE001 - a run that needs it will say why
            pass


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
        # The server's environment is the run's but HOME: only what differs is changed, since clearing
        # and refilling it would touch pages the run otherwise shares with the server.
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


def adopt(config, fds):
    """In a fork: the run's ``config``, with the run's output on 0-2's places and the status and kill
    pipes moved above them; every other descriptor of the server closed. Exits 125 when that fails (the
    grader then sees a run without report)."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)    # the server reaps by ignoring; a launcher waits
        output, status, kill = fds
        for fd, target in ((DEV_NULL, 0), (output, 1), (output, 2)):
            os.dup2(fd, target)
        moved_status, moved_kill = os.dup(status), os.dup(kill)   # above 2 and distinct
        close_all_but({0, 1, 2, moved_status, moved_kill})
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


def serve(sock):
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)     # launchers are reaped by the kernel
    sock.sendall(b"ready")
    while True:
        serve_one(sock)


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
    if len(fds) == 3 and isinstance(config, dict):
        try:
            if os.fork() == 0:
                sock.close()
                launch_run(config, fds)
        except OSError:                    # no fork: the grader sees a run without report, and retries
            pass
    for fd in fds:
        os.close(fd)


def main():
    jail.prctl(jail.PR_SET_DUMPABLE, 0)    # nobody attaches to the server, not even the grader's uid
    settings = marshal.loads(bytes.fromhex(sys.argv[2]))
    warm_up(settings["preload"])
    precompile(settings["precompiled"])
    jail.filter_of({})                     # this process has site-packages: the binding imports as is
    serve(socket.socket(fileno=int(sys.argv[1])))


if __name__ == "__main__":
    main()
