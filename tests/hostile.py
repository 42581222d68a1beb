"""Hostile submissions: both ReLU regions do something nasty, then return a wrong answer.

Graded, each must score exactly what the rest of the submission earns (every other section is the
reference's: 8 points) and 0 for ReLU: whatever it does, it gains nothing.
"""

from autograder import REPO_ROOT

REFERENCE_FILE = REPO_ROOT / "autograder" / "reference" / "activations.py"
I = "        "          # the regions' indentation


def _both(act):
    """ReLU forward and backward regions that run ``act`` (lines at region indentation), then answer wrong."""
    return {"activations:ReLU.forward": act + f"{I}Y = Z * 2.0\n",
            "activations:ReLU.backward": act + f"{I}dZ = dY * 2.0\n"}


def _lines(*lines):
    return "".join(f"{I}{line}\n" for line in lines)


HOSTILE = {
    "infinite loop": _lines("while True:", "    pass"),
    "sys.exit": _lines("import sys", "sys.exit(3)"),
    "os._exit": _lines("import os", "os._exit(0)"),
    "KeyboardInterrupt": _lines("raise KeyboardInterrupt"),
    "RecursionError": _lines("def f(n):", "    return f(n + 1)", "f(0)"),
    "memory bomb": _lines("hoard = []", "while True:", "    hoard.append(np.ones(10**8))"),
    "segfault": _lines("import ctypes", "ctypes.string_at(0)"),
    "fork bomb": _lines("import os", "for _ in range(10000):", "    try:", "        os.fork()",
                        "    except OSError:", "        pass"),
    "sleeping grandchild": _lines("import os, time", "if os.fork() == 0:", "    os.setsid()",
                                  "    if os.fork() == 0:", "        time.sleep(600)", "    os._exit(0)"),
    "kills its parent": _lines("import os, signal", "os.kill(os.getppid(), signal.SIGKILL)"),
    "kills its process group": _lines("import os, signal", "os.killpg(0, signal.SIGKILL)"),
    "huge output": _lines("import sys", "while True:", "    sys.stdout.write('x' * 65536)"),
    "forged results": _lines(
        "import os", "os.makedirs('out', exist_ok=True)",
        "for name in ('relu_forward', 'relu_backward', 'relu_kink'):",
        "    np.savez(f'out/{name}.npz', __status__=np.array(0), Y=np.zeros((7, 5)), dZ=np.zeros((6, 5)),"
        " dZk=np.zeros((3, 4)))",
        "os._exit(0)"),
    "monkeypatched numpy": _lines(
        "np.allclose = lambda *a, **k: True", "np.testing.assert_allclose = lambda *a, **k: None",
        "np.array_equal = lambda *a, **k: True", "np.isfinite = lambda x: np.ones_like(x, dtype=bool)",
        "import builtins", "builtins.abs = lambda x: 0"),
    "returns NaN": _lines("Z = np.full_like(Z, np.nan)", "dY = np.full_like(dY, np.nan) if 'dY' in dir() else 0"),
    # Deeper than shutil.rmtree recurses, with folders nobody may enter, wherever it can write.
    "leaves deep folders": _lines(
        "import os", "start = os.getcwd()", "for folder in (start, '/tmp', '/dev/shm', '/run/lock'):",
        "    try:", "        os.chdir(folder)", "        for _ in range(1500):", "            os.mkdir('d')",
        "            os.chdir('d')", "        os.mkdir('closed')", "        os.chmod('closed', 0)",
        "        os.chmod('..', 0)", "    except OSError:", "        pass", "    os.chdir(start)"),
}

_LOAD_REFERENCE = _lines(
    "namespace = {}",
    f"source = open({str(REFERENCE_FILE)!r}).read().replace('from .module import Module', 'Module = object')",
    "exec(source, namespace)",
    "relu = namespace['ReLU']()")

# Submissions whose regions are written whole: they would score if the sandbox let them.
WHOLE = {
    "reads the reference": {
        "activations:ReLU.forward": _LOAD_REFERENCE + _lines("Y = relu.forward(Z)"),
        "activations:ReLU.backward": _LOAD_REFERENCE + _lines("relu.cache['Z'] = Z", "dZ = relu.backward(dY)"),
    },
    "returns None": {"activations:ReLU.forward": _lines("Y = None"),
                     "activations:ReLU.backward": _lines("dZ = None")},
    "returns the wrong shape": {"activations:ReLU.forward": _lines("Y = np.maximum(0.0, Z).T"),
                                "activations:ReLU.backward": _lines("dZ = (dY * (Z > 0))[:, :1]")},
    # Nesting deeper than Python's compiler goes: it must fail in the child, never in the grader.
    "nests too deep": {"activations:ReLU.forward": _lines("Y = " + "a." * 200000 + "b"),
                       "activations:ReLU.backward": _lines("dZ = " + "-" * 100000 + "dY")},
    "returns a string": {"activations:ReLU.forward": _lines("Y = 'max(0, Z)'"),
                         "activations:ReLU.backward": _lines("dZ = 'dY * (Z > 0)'")},
}

NAMES = sorted(HOSTILE) + sorted(WHOLE)


def hostile_texts(name):
    """The ReLU region texts of one hostile submission."""
    return dict(WHOLE[name]) if name in WHOLE else _both(HOSTILE[name])
