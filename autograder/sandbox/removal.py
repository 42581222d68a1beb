"""Removing a folder that untrusted code filled; standard library only (``jail.py`` imports it).

A run may leave a folder chain thousands deep (``shutil.rmtree`` recurses, and the chain's paths outgrow
PATH_MAX), folders without permissions, links, FIFOs. So nothing here recurses or builds a long path: each
folder met is moved up to the top of the tree before it is emptied, and links are removed, never followed.
Root needs no rights on a folder; anyone else first gives themselves the owner's (a ``chmod`` that follows
a link, but only to what that user owns anyway). Nobody writes in the tree meanwhile: its runs are over.
"""

import itertools
import os

FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def remove_tree(path: str) -> list[str]:
    """Remove ``path`` and all under it, never raising; returns what could not be removed, "path: error"
    each, for the caller to log."""
    failures = []

    def attempt(action, *args, **where) -> bool:
        try:
            action(*args, **where)
        except FileNotFoundError:
            pass
        except OSError as error:
            failures.append(f"{path}: {args[0]}: {error.strerror}")
            return False
        return True

    if os.path.islink(path) or not os.path.isdir(path):
        attempt(os.unlink, path)
        return failures
    if os.geteuid():
        attempt(os.chmod, path, 0o700)
    try:
        top = os.open(path, FOLDER)
    except OSError as error:
        return [f"{path}: {error.strerror}"]
    pending, moved = [None], set()     # None: the top folder; else a folder directly in it, moved there
    numbers = itertools.count()
    while pending:
        name = pending.pop()
        try:
            folder = top if name is None else os.open(name, FOLDER, dir_fd=top)
        except OSError as error:
            failures.append(f"{path}: {name}: {error.strerror}")
            continue
        try:
            for entry in list(os.scandir(folder)):
                if not entry.is_dir(follow_symlinks=False):
                    attempt(os.unlink, entry.name, dir_fd=folder)
                    continue
                if os.geteuid():       # to open it, and to move it (which writes its "..")
                    attempt(os.chmod, entry.name, 0o700, dir_fd=folder)
                new = entry.name if name is None else \
                    next(new for new in (f".removing-{i}" for i in numbers) if new not in moved)
                if name is None or attempt(os.rename, entry.name, new, src_dir_fd=folder, dst_dir_fd=top):
                    pending.append(new)
                    moved.add(new)
        except OSError as error:
            failures.append(f"{path}: {name}: {error.strerror}")
        finally:
            if folder != top:
                os.close(folder)
    for name in moved:                 # each emptied when it was opened
        attempt(os.rmdir, name, dir_fd=top)
    os.close(top)
    attempt(os.rmdir, path)
    return failures
