"""The grader's fork server, run by the grader as ``python -P -s -B zygote.py FD SETTINGS``.

A fresh run pays for an interpreter and ``import numpy``, about all of what a section costs; this process
pays it once per grader process, then, for each request read from the socket FD, forks the run's launcher
(``jail.run``), in every mode as a fresh run's. The one difference: the student's process runs the script
in-process instead of exec'ing.

No student code touches the server: a run is a fork of a fork of it, in its own PID namespace or as its
own uid, and whatever it changes in memory dies with it. A run could read the memory it shares with the
server, which therefore holds nothing secret: NumPy, this directory's code, the modules SETTINGS names
("preload") and the trusted source files it compiles ("precompiled"); a run that executes a file holding
exactly the bytes of one of those gets that code, named after its own file.

A request is one SOCK_SEQPACKET message: a ``marshal`` ``launch.run_config`` with the run's output, status
and kill pipes. The server answers nothing, and exits at the socket's end, that is with the grader.
"""

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
    """What ``compile(source, filename, "exec")`` gives, from the trusted cache when it holds ``source``."""
    code = COMPILED.get(bytes(source))
    return compile(source, filename, "exec", dont_inherit=True) if code is None else named(code, filename)


def warm_up(modules):
    """Import once here what every run would: NumPy's random generators (imported lazily, seeded by every
    run's start) and ``modules``, named by whoever started the server."""
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


def run_script(argv):
    """``python -P -s -B argv[0] *argv[1:]`` in this process: exit status, or -SIGINT, as the interpreter."""
    import builtins
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
    except SystemExit as error:            # as the interpreter: None is 0, an int its low byte
        if error.code is None or isinstance(error.code, int):
            code = (error.code or 0) & 0xFF
        else:
            print(error.code, file=sys.stderr)
            code = 1
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
        from importlib.machinery import SourceFileLoader     # imports from source: the trusted cache first
        SourceFileLoader.source_to_code = lambda self, data, path, *, _optimize=-1: compiled(data, path)
        code = run_script(config["script_argv"])
    except BaseException:                  # noqa: B036 - never unwind into the launcher's code
        code = 1
    finish(code)


def launch_run(request, fds):
    """In a fork: become the launcher (``jail.run``) of the run ``request`` asks for, its output on 0-2's
    places and its status and kill pipes above them, every other descriptor of the server closed. Never
    returns; exits 125 when that fails (the grader then sees a run without report, and runs it fresh)."""
    try:
        config = marshal.loads(request)    # the grader's: launch.run_config
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)    # the server reaps by ignoring; a launcher waits
        output, status, kill = fds
        for fd, target in ((DEV_NULL, 0), (output, 1), (output, 2)):
            os.dup2(fd, target)
        config["status_fd"], config["kill_fd"] = os.dup(status), os.dup(kill)    # above 2 and distinct
        close_all_but({0, 1, 2, config["status_fd"], config["kill_fd"]})
        os.set_blocking(config["kill_fd"], False)
        # As a fresh launcher is: a user namespace's maps are written through /proc/self, which a
        # process that is not dumpable does not own; jail.py makes it undumpable once they are.
        jail.prctl(jail.PR_SET_DUMPABLE, 1)
    except BaseException:                  # noqa: B036
        os._exit(125)
    jail.run(config, start_in_process)


def serve(sock):
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)     # launchers are reaped by the kernel
    sock.sendall(b"ready")
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, MAX_REQUEST, 3)
        except OSError:
            os._exit(0)
        if not data:                       # the grader process ended
            os._exit(0)
        try:
            if os.fork() == 0:
                sock.close()
                launch_run(data, fds)
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
