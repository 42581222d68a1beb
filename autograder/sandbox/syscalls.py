"""The syscall filter of every run, the one layer that works without namespaces: seccomp, compiled by
libseccomp through ``pyseccomp``; standard library otherwise (``jail.py`` imports it).

All is allowed but what NumPy never needs and an attacker would, refused with EPERM: sockets of any family;
memory outside the address space, which RLIMIT_AS and the supervisor miss and which may outlive the run
(memfd, SysV and POSIX IPC, keys, userfaultfd); namespaces and mounts; other processes and the kernel
(ptrace, bpf, perf, io_uring, whose requests bypass the filter, modules); and loosening a file's rights
(a ``umask`` without 077, a ``chmod`` for group or others, ACLs), so that no run reads another's files in
a shared /tmp. ``clone3`` fails with ENOSYS (its flags are out of the filter's sight), and glibc falls back
to ``clone``. A syscall of another ABI (x32, i386) kills the process.
"""

import errno
import os
import sys

DENIED = ("socket", "socketpair", "memfd_create", "memfd_secret", "shmget", "shmat", "msgget", "semget",
          "mq_open", "userfaultfd", "add_key", "request_key", "keyctl", "unshare", "setns", "mount", "umount2",
          "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick", "open_tree", "move_mount",
          "mount_setattr", "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp", "bpf",
          "perf_event_open", "io_uring_setup", "io_uring_enter", "io_uring_register", "init_module",
          "finit_module", "delete_module", "kexec_load", "kexec_file_load", "open_by_handle_at",
          "fanotify_init", "setxattr", "lsetxattr", "fsetxattr", "setxattrat")
# Since Linux 5.1 a new syscall has one number on every architecture: those a libseccomp older than the
# kernel cannot name are denied by number.
NUMBERS = {"io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428,
           "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "clone3": 435,
           "pidfd_getfd": 438, "mount_setattr": 442, "memfd_secret": 447, "fchmodat2": 452, "setxattrat": 463}
# time, mount, cgroup, UTS, IPC, user, PID, network
CLONE_NEW = (0x80, 0x20000, 0x2000000, 0x4000000, 0x8000000, 0x10000000, 0x20000000, 0x40000000)
CHMODS = (("chmod", 1), ("fchmod", 1), ("fchmodat", 2), ("fchmodat2", 2))    # (syscall, its mode's argument)


def build(folder: str | None):
    """(the filter, to ``load()``, "") or (None, why there is none). ``folder``: pyseccomp's, for a
    launcher started without site-packages; None: import it as it is."""
    sys.path[:0] = [folder] if folder else []
    try:
        import pyseccomp as seccomp

        def number(name):      # None: a syscall this architecture has not
            known = seccomp.resolve_syscall(seccomp.Arch.NATIVE, name)
            return known if known >= 0 else NUMBERS.get(name)
        syscalls = seccomp.SyscallFilter(seccomp.ALLOW)
        syscalls.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)
        deny, masked = seccomp.ERRNO(errno.EPERM), seccomp.MASKED_EQ
        for name in filter(number, DENIED):
            syscalls.add_rule(deny, number(name))
        flags = 1 if os.uname().machine.startswith("s390") else 0       # clone's argument order there
        for flag in CLONE_NEW:
            syscalls.add_rule(deny, "clone", seccomp.Arg(flags, masked, flag, flag))
        syscalls.add_rule(seccomp.ERRNO(errno.ENOSYS), number("clone3"))
        for bit in (0o040, 0o020, 0o010, 0o004, 0o002, 0o001):         # the group's and others' rights
            syscalls.add_rule(deny, "umask", seccomp.Arg(0, masked, bit, 0))
            for name, mode in filter(lambda chmod: number(chmod[0]), CHMODS):
                syscalls.add_rule(deny, number(name), seccomp.Arg(mode, masked, bit, bit))
        return syscalls, ""
    except Exception as error:         # noqa: BLE001 - no binding, no libseccomp, an old kernel
        return None, f"{type(error).__name__}: {error}"
    finally:
        del sys.path[:1 if folder else 0]
