"""The sandbox's trusted launcher, run by the grader as ``python -I -S jail.py CONFIG``.

It is standalone (standard library only) because it starts before the run's root is built, and it avoids
``json``, ``re`` and ``signal``, whose imports would be most of its start; CONFIG is a hex ``marshal`` dict
(``launch.run_config``). It reports to the status pipe, which the student's process never holds, in text
lines: ``uid N``, ``pid N``, ``seccomp ...``, ``memory RSS``, ``exit STATUS CPU MAXRSS``, ``error TEXT``.

With namespaces (modes "root" and "userns")::

    grader ── outer ── supervisor = PID 1 of a new PID namespace ── student python ── its children

* outer creates the namespaces, forks the supervisor and waits for it; at SIGTERM (the grader's timeout)
  it SIGKILLs the supervisor, and with it every process of the namespace. Both die with their parent.
* the supervisor builds the run's file system (``layout.py``: the run writes to a copy of scratch on a
  tmpfs of its memory limit), forks the student with limits, without privileges and under the syscall
  filter, watches the memory of the run (its tmpfs too), reports how the student ended, and once the
  run's processes are gone copies the files of its ``out/`` back: nothing else the run wrote outlives it.

Without namespaces (mode "none") the launcher is the supervisor itself: a child subreaper that kills what
the student left, counts the files the run writes as its memory and removes them but its results; as root
it still gives the student its own uid.

The fork server (``zygote.py``) runs ``run(config, start)`` in a fork of itself per run, ``start`` running
the script in-process, and ``config["kill_fd"]``: a pipe whose data or end (the grader's timeout or death)
ends the run as SIGTERM does here.
"""

import _signal as signal      # the C module: `signal` imports enum, on every run's start
import ctypes
import marshal
import os
import resource
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))     # its standalone neighbours
import removal  # noqa: E402
import syscalls  # noqa: E402

del sys.path[0]

# mount, PID, network (an empty one: the run has no network at all), IPC, UTS
NAMESPACES = 0x00020000 | 0x20000000 | 0x40000000 | 0x08000000 | 0x04000000
CLONE_NEWUSER = 0x10000000

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
# statvfs() flag -> mount() flag. A bind inherits these from its source, and inside a user namespace a
# remount must keep them (they are locked), so every remount carries them over.
STATVFS_TO_MOUNT = {1: MS_RDONLY, 2: MS_NOSUID, 4: MS_NODEV, 8: MS_NOEXEC, 1024: 1024, 2048: 2048,
                    4096: 1 << 21}

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 1, 4, 24
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 36, 38, 47, 4
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "ppc64": 203,
                  "s390x": 217, "i686": 217, "armv7l": 218}
POLL_SECONDS = 0.05            # how often the supervisor measures the run's memory
MAX_SCRATCH_ENTRIES = 10_000   # files and folders a run may write (see written_bytes)
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock")   # writable by every uid

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


def check(result, what):
    if result == -1:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def prctl(option, value=0):
    check(libc.prctl(option, value, 0, 0, 0), f"prctl({option})")


def mount(source, target, fstype, flags, data=None):
    encode = lambda text: None if text is None else os.fsencode(text)  # noqa: E731
    check(libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)),
          f"mount {source} on {target}")


def pivot_root(new_root, put_old):
    number = SYS_PIVOT_ROOT[os.uname().machine]
    check(libc.syscall(number, os.fsencode(new_root), os.fsencode(put_old)), f"pivot_root {new_root}")


def report(config, *words):
    """One status line to the grader; the grader ignores all but the first of each kind."""
    os.write(config["status_fd"], (" ".join(str(word) for word in words) + "\n").encode())


# --- the file system of the run ------------------------------------------------------------------------

def remount(target, flags):
    present = os.statvfs(target).f_flag
    kept = sum(mount_flag for statvfs_flag, mount_flag in STATVFS_TO_MOUNT.items() if present & statvfs_flag)
    mount(None, target, None, MS_REMOUNT | MS_BIND | kept | flags)


def place(kind, source, dest):
    """Put one entry of the layout (see ``layout.py``) into /newroot; sources are read through /oldroot."""
    target = "/newroot" + dest
    if kind == "hide":                      # only where a bind above exposed it
        if os.path.isdir(target) and not os.path.islink(target):
            mount("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=000")
        elif os.path.lexists(target) and not os.path.islink(target):
            mount("/oldroot/dev/null", target, None, MS_BIND)
            remount(target, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)    # nodev: cannot be opened
        return
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    if kind == "symlink":
        os.symlink(source, target)
    elif kind == "dev":
        open(target, "w").close()
        mount("/oldroot" + source, target, None, MS_BIND)
    else:
        os.makedirs(target, mode=0o755, exist_ok=True)
        if kind in ("ro", "rw"):            # not MS_REC: a submount of the source would stay writable
            mount("/oldroot" + source, target, None, MS_BIND)
            remount(target, MS_NOSUID | MS_NODEV | (MS_RDONLY if kind == "ro" else 0))
        elif kind == "tmpfs":
            mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, source)
        elif kind == "scratch":     # its size caps what the run writes, wherever its processes are
            mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, source)
            copy_tree("/oldroot" + dest, target)
        elif kind == "proc":    # hidepid: the supervisor (root) is invisible to the student
            mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2")
        else:
            raise ValueError(f"unknown layout entry {kind!r}")


def build_root(layout):
    """Make the layout the root of this mount namespace, as bubblewrap does.

    The bases are mounted over /tmp and pivoted into first, so that sources under /tmp stay reachable
    as /oldroot/tmp/... while the new root is filled; the host's root is detached at the end.
    """
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
    os.mkdir("/tmp/newroot")
    os.mkdir("/tmp/oldroot")
    pivot_root("/tmp", "/tmp/oldroot")
    os.chdir("/")
    mount("tmpfs", "/newroot", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755")
    for kind, source, dest in layout:
        place(kind, source, dest)
    remount("/newroot", MS_RDONLY | MS_NOSUID | MS_NODEV)
    check(libc.umount2(b"/oldroot", MNT_DETACH), "umount /oldroot")
    os.chdir("/newroot")
    pivot_root(".", ".")
    check(libc.umount2(b".", MNT_DETACH), "umount the bases")
    os.chdir("/")


def grader_files(root):
    """{path: whether a folder} of everything in ``root`` (the grader's scratch), links not followed."""
    found = {root: True}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            found[path] = os.path.isdir(path) and not os.path.islink(path)
    return found


def copy_tree(source, target):
    """The grader's folders and files in ``source`` into ``target``, the run's scratch tmpfs."""
    for path, is_folder in grader_files(source).items():
        if is_folder and path != source:
            os.mkdir(target + path[len(source):])
        elif not is_folder and os.path.isfile(path) and not os.path.islink(path):
            with open(path, "rb") as original, open(target + path[len(source):], "wb") as copy:
                copy.write(original.read())


def copy_back(config):
    """Namespace modes, once the run's processes are gone: the regular files directly in its out/ to the
    grader's, ``config["results_bytes"]`` at most in all (one that is not stops the copy)."""
    budget = config["results_bytes"]
    try:
        run_out = os.open(config["scratch"] + "/out", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        for name in os.listdir(run_out)[:1000]:         # read_results reads no more
            with open(os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=run_out), "rb") as source:
                info = os.fstat(source.fileno())
                if stat.S_ISREG(info.st_mode) and info.st_size <= budget:
                    budget -= info.st_size
                    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
                    with open(os.open(name, flags, 0o600, dir_fd=config["results_fd"]), "wb") as copy:
                        copy.write(source.read(info.st_size))
    except (OSError, KeyError):        # KeyError: no out/ to copy to (the sandbox's own probe)
        pass


# --- the student's process -----------------------------------------------------------------------------

def drop_privileges(config, uid, gid):
    """No capability can come back: empty bounding set, then the run's own uid (but in a user namespace,
    whose uid 0 it keeps), then an empty capset."""
    cap = 0
    while libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:    # EINVAL past the last capability
        cap += 1
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    if config["mode"] != "userns":
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)      # _LINUX_CAPABILITY_VERSION_3, this process
    check(libc.capset(header, (ctypes.c_uint32 * 6)()), "capset")    # 2 x {effective, permitted, inheritable}


FILTER = None


def filter_of(config):
    """``syscalls.build``'s filter, once per process (the fork server's, before its first fork)."""
    global FILTER
    FILTER = FILTER or syscalls.build(config.get("seccomp"))
    return FILTER


def exec_python(config):
    os.execve(config["argv"][0], config["argv"], config["env"])


def exec_student(config, uid, gid, start):
    """In the forked child: never returns, and never unwinds into the supervisor's code."""
    try:
        os.setsid()
        for number in signal.valid_signals():  # ignored signals would survive exec
            try:
                signal.signal(number, signal.SIG_DFL)
            except (OSError, ValueError):      # SIGKILL, SIGSTOP
                pass
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        for number, soft, hard in config["rlimits"]:
            inherited = resource.getrlimit(number)[1]     # only lowered: a user namespace cannot raise it
            if inherited != resource.RLIM_INFINITY:
                hard = min(hard, inherited)
                soft = min(soft, hard)
            resource.setrlimit(number, (soft, hard))
        if uid is not None:                # None: mode "none" as another user than root
            drop_privileges(config, uid, gid)
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        os.umask(0o077)                    # a run's files are its own: see syscalls.py
        os.chdir(config["scratch"])
        syscall_filter, missing = filter_of(config)
        try:
            if syscall_filter is not None:
                syscall_filter.load()
        except OSError as error:           # a kernel without seccomp: the TA is told, as for no binding
            missing = f"seccomp: {error}"
        report(config, "seccomp", missing or "on")
        start(config)
    except BaseException as error:
        report(config, "error", f"could not start the child: {type(error).__name__}: {error}")
    os._exit(126)


# --- supervising ---------------------------------------------------------------------------------------

def descendants(root):
    """Every live or zombie descendant of ``root`` (orphans come back to us: PID 1 or a subreaper)."""
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as stream:
                    children = [int(word) for word in stream.read().split()]
            except OSError:
                continue
            for child in children:
                if child not in found:
                    found.append(child)
                    frontier.append(child)
    return found


def resident_bytes(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as stream:
                total += int(stream.read().split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return total * os.sysconf("SC_PAGE_SIZE")


def written_bytes(config, uid):
    """What the files the run wrote hold, on disk or in memory: those of its scratch folder (its tmpfs
    with namespaces) and, in mode "none" as root, what its uid made in the shared temporary folders; links
    not followed. Past MAX_SCRATCH_ENTRIES of them, more than any limit (the count must stay cheap)."""
    scratch = os.path.realpath(config["scratch"])
    paths = [scratch] + (left_in_shared(uid, scratch) if config["mode"] == "none" and uid is not None else [])
    total, seen = 0, 0
    while paths:
        path = paths.pop()
        try:
            info = os.lstat(path)
            total += info.st_blocks * 512
            if stat.S_ISDIR(info.st_mode):
                with os.scandir(path) as entries:
                    for entry in entries:
                        seen += 1
                        if seen > MAX_SCRATCH_ENTRIES:
                            return sys.maxsize
                        paths.append(entry.path)
        except OSError:
            pass
    return total


def reap(student):
    """Reap every exited child; the student's (status, rusage) once it has ended, else None."""
    ended = None
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return ended
        if pid == 0:
            return ended
        if pid == student:
            ended = (status, usage)


def kill_descendants():
    me = os.getpid()
    for _ in range(10_000):
        pids = descendants(me)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        reap(None)
        time.sleep(0.002)


def told_to_end(config):
    """True once the fork server's kill pipe has data or its end: the grader's timeout, or its death."""
    if config.get("kill_fd") is None:
        return False
    try:
        os.read(config["kill_fd"], 1)          # non-blocking: b"" at its end, a byte if written to
    except BlockingIOError:
        return False
    return True


def left_in_shared(uid, scratch):
    """Mode "none" as root: what the run's uid made directly in the shared temporary folders (its scratch
    folder aside, when it is there)."""
    found = []
    for folder in sorted({os.path.realpath(folder) for folder in SHARED_TMP}):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid == uid and \
                        not (scratch + "/").startswith(entry.path + "/"):
                    found.append(entry.path)
            except OSError:
                pass
    return found


def take_back(scratch, kept, uid):
    """Mode "none", once the run's processes are gone: remove what the run added to scratch or changed
    the kind of, but the files in its out/ (``kept``: ``grader_files`` before the run), and what its own
    uid left in the shared folders. What could not be removed, as ``removal.remove_tree`` says it."""
    shared = left_in_shared(uid, scratch) if uid is not None else []
    failures = [failure for path in shared for failure in removal.remove_tree(path)]
    folders, results = [scratch], os.path.join(scratch, "out")
    while folders:
        folder = folders.pop()
        try:
            os.chmod(folder, 0o700)
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            is_folder = entry.is_dir(follow_symlinks=False)
            if kept.get(entry.path) is is_folder or (folder == results and entry.is_file(follow_symlinks=False)):
                if is_folder:
                    folders.append(entry.path)
            else:
                failures += removal.remove_tree(entry.path)
    return failures


def supervise(config, uid, gid, start):
    """Fork the student, wait for it while watching the run's memory, report how it ended, and end the
    run. SIGCHLD and SIGTERM are blocked before the fork, so that none is lost before the wait."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD, signal.SIGTERM})
    student = os.fork()
    if student == 0:
        exec_student(config, uid, gid, start)
    if config["mode"] == "none":
        report(config, "pid", student)
    ended = None
    while ended is None:
        woken = signal.sigtimedwait({signal.SIGCHLD, signal.SIGTERM}, POLL_SECONDS)
        if (woken is not None and woken.si_signo == signal.SIGTERM) or told_to_end(config):   # timeout
            break
        ended = reap(student)
        if ended is None:
            rss = resident_bytes(descendants(os.getpid())) + written_bytes(config, uid)
            if rss > config["memory_total"]:
                report(config, "memory", rss)
                break
    if ended is not None:
        status, usage = ended
        report(config, "exit", status, round(usage.ru_utime + usage.ru_stime, 3), usage.ru_maxrss)
    if config["mode"] == "none":
        kill_descendants()
        failures = take_back(os.path.realpath(config["scratch"]), config["kept"], uid)
        if failures:
            report(config, "unremoved", "; ".join(failures[:5]))
    elif os.getpid() == 1:      # never kill(-1) outside a PID namespace of the run's own
        end_namespace()
        copy_back(config)
    os._exit(0)


def end_namespace():
    """As PID 1: kill every other process of the namespace and reap them all. This process's exit alone
    would kill them too, but it closes the status pipe first (the run's end for the fork server's grader)
    while a fork bomb's thousand processes are still dying."""
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:             # nobody left
        pass
    while True:                 # an orphan is this process's child before its parent can be reaped
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return
        except InterruptedError:
            pass


def run_supervisor(config, outer, start):
    """PID 1 of the new PID namespace. ``outer``: outer's host pid, unique among live runs, which names
    the run's uid."""
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != 0:   # a parent in an ancestor namespace reads as 0; anything else: outer died
            os._exit(125)
        # PID 1 gets from its own namespace only the signals it handles; Python handles SIGINT
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        os.umask(0o022)
        uid = gid = 0
        if os.path.isdir(os.path.join(config["scratch"], "out")):     # for copy_back
            config["results_fd"] = os.open(os.path.join(config["scratch"], "out"), os.O_RDONLY | os.O_CLOEXEC)
        build_root(config["layout"])
        if config["mode"] == "root":
            uid = gid = config["uid_base"] + outer      # outer's pid is unique among live runs
            for path in grader_files(config["scratch"]):     # the run's tmpfs
                os.chown(path, uid, gid, follow_symlinks=False)
        prctl(PR_SET_DUMPABLE, 0)
        report(config, "uid", uid)
        supervise(config, uid, gid, start)
    except BaseException as error:
        report(config, "error", f"could not build the sandbox: {type(error).__name__}: {error}")
    os._exit(125)


def run_outer(config, start):
    flags = NAMESPACES
    if config["mode"] == "userns":
        flags |= CLONE_NEWUSER
        uid, gid = os.geteuid(), os.getegid()
    check(libc.unshare(flags), "unshare")
    if config["mode"] == "userns":
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{name}", "w") as stream:
                stream.write(text)
    prctl(PR_SET_DUMPABLE, 0)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD, signal.SIGTERM})
    outer = os.getpid()
    supervisor = os.fork()
    if supervisor == 0:
        run_supervisor(config, outer, start)
    while True:
        woken = signal.sigwaitinfo({signal.SIGCHLD, signal.SIGTERM})
        if woken.si_signo == signal.SIGTERM:
            os.kill(supervisor, signal.SIGKILL)
            os.waitpid(supervisor, 0)    # returns once the whole namespace is gone
            os._exit(0)
        if os.waitpid(supervisor, os.WNOHANG)[0]:
            os._exit(0)


def run_reduced(config, start):
    """Mode "none": this process supervises; as root the student still gets a uid of its own."""
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    uid = gid = None
    config["kept"] = grader_files(os.path.realpath(config["scratch"]))
    if os.geteuid() == 0:
        uid = gid = config["uid_base"] + os.getpid()    # unique among live runs, as outer's pid is
        for path in config["kept"]:
            os.chown(path, uid, gid, follow_symlinks=False)
        os.chmod(config["scratch"], 0o700)              # no other run's uid enters it
        report(config, "uid", uid)
    supervise(config, uid, gid, start)


def run(config, start=exec_python):
    """One run, from the launcher's process; never returns."""
    try:
        if start is exec_python:           # a forked launcher ends with its kill pipe instead
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != config["grader_pid"]:    # the grader died before the line above
                os._exit(125)
        filter_of(config)                  # before namespaces and limits: it imports, and may fork
        if config["mode"] == "none":
            run_reduced(config, start)
        else:
            run_outer(config, start)
    except BaseException as error:
        report(config, "error", f"could not start the sandbox: {type(error).__name__}: {error}")
    os._exit(125)


def main():
    config = marshal.loads(bytes.fromhex(sys.argv[1]))
    os.set_inheritable(config["status_fd"], False)     # the student must never hold the status pipe
    run(config)


if __name__ == "__main__":
    main()
