"""Probes: the trusted code that exercises a package's layers and returns arrays.

The same probe runs twice: in the parent against the reference (the expected values), and in the
sandboxed child against the hybrid package (the student's values). The parent compares; the child
only computes. So this file depends on NumPy and the standard library alone: it is copied into the
child's scratch folder and run there as a script::

    python -I runner.py SECTION        # cwd: scratch/, holding hw1_student/ and inputs.pickle

The child writes ``out/<probe>.npz`` (``np.savez``) after each probe, so a later crash loses nothing
already computed. It holds the probe's arrays and ``__status__`` (OK, NOT_IMPLEMENTED or RAISED), with the
exception as UTF-8 bytes in ``__error__`` and where it was raised in ``__where__``. A run that makes or
loads code once the package is imported exits at once with ``LOADED_CODE`` (``guard``).

Every probe ``run(pkg, x, out)`` reads its inputs from ``x`` and writes arrays into ``out`` as it goes,
so what was computed before an exception is kept. ``pkg`` has the package's modules as attributes.
"""

import importlib
import os
import pickle
import sys
import traceback
from collections import OrderedDict
from types import SimpleNamespace

import numpy as np

OK, NOT_IMPLEMENTED, RAISED = 0, 1, 2
PACKAGE = "hw1_student"
MODULES = ("activations", "fully_connected", "losses", "models", "grad_check", "regularization",
           "computational_graph")
ERROR_CHARS = 200            # of an exception's type and message: all the student is shown of it
LOADED_CODE = 86            # the exit status of a run that ``guard`` stopped: the grader's "loaded code"
INPUTS = "inputs.pickle"     # {"<probe>/<key>": ndarray}, written by the grader into the child's cwd

PROBES = {}          # name -> (section, make_inputs, run)


def probe(section, make_inputs):
    """Register ``run(pkg, x, out)`` as a probe of ``section`` with inputs from ``make_inputs(rng)``."""
    def register(run):
        PROBES[run.__name__] = (section, make_inputs, run)
        return run
    return register


def inputs_for(name):
    """The fixed inputs of one probe: a dict of float64 arrays, the same in every run."""
    seed = sum(name.encode()) * 7919            # a fixed seed per probe, independent of the others
    return make_inputs_of(name)(np.random.default_rng(seed))


def make_inputs_of(name):
    return PROBES[name][1]


def probes_of(section):
    return [name for name, (s, _, _) in PROBES.items() if s == section]


def _off_kink(rng, shape, scale=1.0):
    """Normal values at least 0.05 away from 0, so central differences never straddle the ReLU kink.

    The first entry is negative: code whose output takes its dtype from its first result (``np.vectorize``
    of a Python function returning 0) then shows it.
    """
    Z = rng.normal(scale=scale, size=shape)
    Z = np.where(np.abs(Z) < 0.05, np.sign(Z + 1e-300) * 0.05 + Z, Z)
    Z.flat[0] = -abs(Z.flat[0])
    return Z


def _one_hot(rng, n, c):
    return np.eye(c)[rng.integers(0, c, size=n)]


def _numeric(pkg, f, x, dY=None):
    """The package's own numeric gradient (``grad_check.numeric_gradient``) of ``f`` at ``x``."""
    return pkg.grad_check.numeric_gradient(f, x, dY)


def _fresh(value):
    return np.array(value, dtype=np.float64, copy=True)


class _Outputs(dict):
    """A probe's outputs, copied as they are stored: a later in-place ``+=`` in the student's code
    must not rewrite what an earlier call returned. Each becomes an array of numbers in its own dtype
    (bool, integer or float: the feedback names it), else float64; what cannot is kept as it is, for
    ``run_probe`` to report."""

    def __setitem__(self, key, value):
        if value is not None:                     # np.array(None, float) would be a silent NaN
            try:
                array = np.array(value, copy=True)
                value = array if array.dtype.kind in "biuf" else np.array(value, dtype=np.float64, copy=True)
            except (TypeError, ValueError):
                pass
        super().__setitem__(key, value)


# --- activations ------------------------------------------------------------------------------------

def _elementwise_inputs(rng):
    kink = np.array([[-0.0, 0.0, 1e-12, -1e-12], [-2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    big = np.array([[-1000.0, 1000.0, 710.0, -745.0], [0.5, -0.5, 30.0, -30.0]])
    return {"Z": _off_kink(rng, (7, 5), 2.0), "Z1": _off_kink(rng, (1, 4)), "Zk": kink, "Zbig": big,
            "Zb": _off_kink(rng, (6, 5)), "dY": rng.normal(size=(6, 5)),
            "Z2": _off_kink(rng, (4, 5)), "dY2": rng.normal(size=(4, 5)), "dYk": np.ones((3, 4))}


def _activation_forward(cls, x, out, keys=("Z", "Z1", "Zk", "Zbig")):
    for key in keys:
        out["Y" + key[1:]] = cls().forward(_fresh(x[key]))


def _activation_backward(pkg, cls, x, out):
    act, dY = cls(), _fresh(x["dY"])
    act.forward(_fresh(x["Zb"]))
    out["dZ"] = act.backward(dY)
    out["dY_after"] = dY
    act.forward(_fresh(x["Z2"]))
    out["dZ2"] = act.backward(_fresh(x["dY2"]))
    out["dZ_num"] = _numeric(pkg, lambda Z: cls().forward(Z), _fresh(x["Zb"]), x["dY"])


@probe("ReLU", _elementwise_inputs)
def relu_forward(pkg, x, out):
    _activation_forward(pkg.activations.ReLU, x, out)


@probe("ReLU", _elementwise_inputs)
def relu_backward(pkg, x, out):
    _activation_backward(pkg, pkg.activations.ReLU, x, out)


@probe("ReLU", _elementwise_inputs)
def relu_kink(pkg, x, out):
    relu = pkg.activations.ReLU()
    relu.forward(_fresh(x["Zk"]))
    out["dZk"] = relu.backward(_fresh(x["dYk"]))


@probe("Sigmoid", _elementwise_inputs)
def sigmoid_forward(pkg, x, out):
    _activation_forward(pkg.activations.Sigmoid, x, out)


@probe("Sigmoid", _elementwise_inputs)
def sigmoid_backward(pkg, x, out):
    _activation_backward(pkg, pkg.activations.Sigmoid, x, out)


def _softmax_inputs(rng):
    # Large logits, and a row where one class dominates (its probability rounds to 1, the others ~1e-22).
    big = np.array([[1000.0, 1000.0, -1000.0, 0.0], [-1000.0, -999.0, -1001.0, -1000.0],
                    [800.0, -800.0, 0.0, 1.0], [50.0, 0.0, 0.0, 0.0]])
    return {"Z": rng.normal(scale=3.0, size=(5, 4)), "Z1": rng.normal(size=(1, 3)), "Zbig": big,
            "Zb": rng.normal(scale=2.0, size=(5, 4)), "dY": rng.normal(size=(5, 4)),
            "Z2": rng.normal(size=(3, 4)), "dY2": rng.normal(size=(3, 4))}


@probe("SoftMax", _softmax_inputs)
def softmax_forward(pkg, x, out):
    _activation_forward(pkg.activations.SoftMax, x, out, ("Z", "Z1", "Zbig"))


@probe("SoftMax", _softmax_inputs)
def softmax_backward(pkg, x, out):
    _activation_backward(pkg, pkg.activations.SoftMax, x, out)


# --- fully connected --------------------------------------------------------------------------------

def _fc_inputs(rng):
    return {"A": rng.normal(size=(3, 5)), "X": rng.normal(size=(6, 4)), "X1": rng.normal(size=(1, 4)),
            "W": rng.normal(scale=0.7, size=(4, 3)), "b": rng.normal(size=(1, 3)),
            "dY": rng.normal(size=(6, 3)), "X2": rng.normal(size=(2, 4)), "dY2": rng.normal(size=(2, 3))}


def _fc_layer(pkg, x, activation="tanh", i=""):
    """A layer with the probe's ``W{i}`` and ``b{i}`` set directly, so its checks do not depend on
    ``_init_parameters``."""
    W, b = x[f"W{i}"], x[f"b{i}"]
    layer = pkg.fully_connected.FullyConnected(W.shape[1], activation)
    layer.n_in = W.shape[0]
    layer.parameters = OrderedDict({"W": _fresh(W), "b": _fresh(b)})
    layer.gradients = OrderedDict({"W": np.zeros_like(W), "b": np.zeros_like(b)})
    return layer


@probe("FullyConnected", _fc_inputs)
def fc_init(pkg, x, out):
    asked = []

    def init_weights(shape):
        asked.append(tuple(shape))
        return _fresh(x["A"])

    layer = pkg.fully_connected.FullyConnected(5, "tanh")
    layer.init_weights = init_weights
    layer._init_parameters((7, 3))
    out["asked"] = np.array(asked[0] if asked else (-1, -1), dtype=np.float64)
    out["W"] = layer.parameters["W"]
    out["b"] = layer.parameters["b"]
    # "Initialise the gradients to zero": a scalar 0 is as good as an array of zeros.
    out["gW"] = _like(layer.gradients["W"], out["W"])
    out["gb"] = _like(layer.gradients["b"], out["b"])


def _like(value, param):
    """``value`` as floats broadcast to the shape of ``param`` where it can be, else as it is (the judge
    says why): the next backward overwrites a gradient, so only its being zero matters."""
    try:
        return np.broadcast_to(np.asarray(value, dtype=np.float64), np.shape(param))
    except (ValueError, TypeError):
        return value


@probe("FullyConnected", _fc_inputs)
def fc_forward(pkg, x, out):
    out["Y"] = _fc_layer(pkg, x).forward(_fresh(x["X"]))
    out["Y1"] = _fc_layer(pkg, x).forward(_fresh(x["X1"]))
    out["Ylin"] = _fc_layer(pkg, x, "identity").forward(_fresh(x["X"]))


@probe("FullyConnected", _fc_inputs)
def fc_backward(pkg, x, out):
    layer, dY = _fc_layer(pkg, x), _fresh(x["dY"])
    layer.forward(_fresh(x["X"]))
    out["dX"] = layer.backward(dY)
    out["dW"], out["db"] = layer.gradients["W"], layer.gradients["b"]
    out["dY_after"] = dY
    layer.forward(_fresh(x["X2"]))
    layer.backward(_fresh(x["dY2"]))
    out["dW2"], out["db2"] = layer.gradients["W"], layer.gradients["b"]
    layer = _fc_layer(pkg, x)
    X = _fresh(x["X"])
    out["dX_num"] = _numeric(pkg, layer.forward, X, x["dY"])
    for name in ("W", "b"):
        param = layer.parameters[name]
        out[f"d{name}_num"] = _numeric(pkg, lambda _: layer.forward(X), param, x["dY"])


# --- loss -------------------------------------------------------------------------------------------

def _ce_inputs(rng):
    # Large logits, and one class dominant: labelled on it (loss ~ 0) and on another class (loss ~ 50).
    big = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0], [500.0, 500.0, -500.0],
                    [-800.0, -800.0, -800.0], [50.0, 0.0, 0.0], [0.0, 50.0, 0.0]])
    return {"L": rng.normal(scale=2.0, size=(6, 3)), "Y": _one_hot(rng, 6, 3),
            "Lbig": big, "Ybig": np.eye(3)[[1, 0, 2, 1, 0, 2]],
            "L1": rng.normal(size=(1, 4)), "Y1": np.eye(4)[[2]]}


def _ce_pass(pkg, x, out, suffix):
    loss = pkg.losses.CrossEntropyLoss()
    out["loss" + suffix] = loss.forward(_fresh(x["L" + suffix]), _fresh(x["Y" + suffix]))
    out["dL" + suffix] = loss.backward()


@probe("CrossEntropy", _ce_inputs)
def cross_entropy(pkg, x, out):
    for suffix in ("", "1"):
        _ce_pass(pkg, x, out, suffix)
    loss = pkg.losses.CrossEntropyLoss()
    out["dL_num"] = _numeric(pkg, lambda L: loss.forward(L, x["Y"]), _fresh(x["L"]))


@probe("CrossEntropy", _ce_inputs)
def cross_entropy_big(pkg, x, out):
    """Beyond the homework (a note): logits of ±1000, where log(softmax) meets log(0). The ordinary case
    again, so that the note's diagnosis knows whether only the extreme one differs."""
    for suffix in ("", "big"):
        _ce_pass(pkg, x, out, suffix)


# --- the model --------------------------------------------------------------------------------------

def _model_inputs(rng):
    return {"X": rng.normal(size=(6, 4)), "Y": _one_hot(rng, 6, 3),
            "W1": rng.normal(scale=0.8, size=(4, 5)), "b1": rng.normal(scale=0.5, size=(1, 5)),
            "W2": rng.normal(scale=0.8, size=(5, 3)), "b2": rng.normal(scale=0.5, size=(1, 3))}


def _two_layer(pkg, x, weight_decay=0.0):
    # tanh, not relu: the Model section is graded without any activation region of the reference.
    layers = [_fc_layer(pkg, x, "tanh", 1), _fc_layer(pkg, x, "identity", 2)]
    return pkg.models.NeuralNetwork(layers, "cross_entropy", weight_decay=weight_decay)


@probe("Model", _model_inputs)
def model(pkg, x, out):
    net = _two_layer(pkg, x)
    out["logits"] = net.forward(_fresh(x["X"]))
    out["loss"] = net.loss.forward(_fresh(out["logits"]), _fresh(x["Y"]))
    out["dX"] = net.backward(net.loss.backward())
    for i, layer in enumerate(net.layers, start=1):
        out[f"dW{i}"], out[f"db{i}"] = layer.gradients["W"], layer.gradients["b"]
    net = _two_layer(pkg, x)
    for i, layer in enumerate(net.layers, start=1):
        for name in ("W", "b"):
            f = lambda _: net.loss.forward(net.forward(_fresh(x["X"])), x["Y"])   # noqa: E731
            out[f"d{name}{i}_num"] = _numeric(pkg, f, layer.parameters[name])


# --- the optional parts: L2 regularisation, regression losses, the computational graph -------

L2_DECAY = 0.1                      # the lambda of the L2 probes


@probe("L2", _model_inputs)
def l2_terms(pkg, x, out):
    reg = pkg.regularization
    weights = [_fresh(x["W1"]), _fresh(x["W2"])]
    out["penalty"] = reg.l2_penalty(weights, L2_DECAY)
    out["penalty0"] = reg.l2_penalty([_fresh(x["W1"])], 0.0)
    out["dW1"], out["dW2"] = reg.l2_gradient(weights, L2_DECAY)
    out["W_after"] = weights[0]
    weights = [_fresh(x["W1"]), _fresh(x["W2"])]
    for i, W in enumerate(weights, start=1):
        out[f"dW{i}_num"] = _numeric(pkg, lambda _: reg.l2_penalty(weights, L2_DECAY), W)


@probe("L2", _model_inputs)
def l2_model(pkg, x, out):
    net = _two_layer(pkg, x, L2_DECAY)
    out["loss"] = net.loss_and_gradients(_fresh(x["X"]), _fresh(x["Y"]))
    for i, layer in enumerate(net.layers, start=1):
        out[f"dW{i}"], out[f"db{i}"] = layer.gradients["W"], layer.gradients["b"]
    net = _two_layer(pkg, x, L2_DECAY)
    for i, layer in enumerate(net.layers, start=1):
        for name in ("W", "b"):
            f = lambda _: net.evaluate(_fresh(x["X"]), x["Y"])[0]   # noqa: E731  (the loss with the penalty)
            out[f"d{name}{i}_num"] = _numeric(pkg, f, layer.parameters[name])


def _regression_inputs(rng):
    P, T = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    T = np.where(np.abs(P - T) < 0.05, T + 0.1, T)      # off |d|'s kink, for central differences
    # Where some predictions equal their targets exactly: L1's subgradient is 0 there.
    Pk = np.array([[0.5, -1.0, 2.0], [0.0, 3.0, -0.25]])
    Tk = np.array([[0.5, 0.0, 2.0], [0.0, 1.0, -0.25]])
    return {"P": P, "T": T, "P1": rng.normal(size=(1, 3)), "T1": rng.normal(size=(1, 3)), "Pk": Pk, "Tk": Tk}


def _regression_loss(pkg, cls, x, out, suffixes):
    for suffix in suffixes:
        loss = cls()
        out["loss" + suffix] = loss.forward(_fresh(x["P" + suffix]), _fresh(x["T" + suffix]))
        out["dL" + suffix] = loss.backward()
    loss = cls()
    out["dL_num"] = _numeric(pkg, lambda P: loss.forward(P, x["T"]), _fresh(x["P"]))


@probe("Regression losses", _regression_inputs)
def mse(pkg, x, out):
    _regression_loss(pkg, pkg.losses.MSELoss, x, out, ("", "1"))


@probe("Regression losses", _regression_inputs)
def l1(pkg, x, out):
    _regression_loss(pkg, pkg.losses.L1Loss, x, out, ("", "1", "k"))


def _graph_inputs(rng):
    # The textbook's shopping: 2 apples at 100, 3 oranges at 150, a tax of 1.1.
    shopping = {"apple": 100.0, "apple_num": 2.0, "orange": 150.0, "orange_num": 3.0, "tax": 1.1}
    return {"x": rng.normal(size=(3, 4)), "y": rng.normal(size=(3, 4)), "dout": rng.normal(size=(3, 4)),
            **{k: np.array(v) for k, v in shopping.items()}}


def _graph_node(pkg, cls, name, x, out):
    node = cls()
    out[name] = node.forward(_fresh(x["x"]), _fresh(x["y"]))
    out[f"d{name}_x"], out[f"d{name}_y"] = node.backward(_fresh(x["dout"]))
    out[f"d{name}_x_num"] = _numeric(pkg, lambda v: cls().forward(v, x["y"]), _fresh(x["x"]), x["dout"])
    out[f"d{name}_y_num"] = _numeric(pkg, lambda v: cls().forward(x["x"], v), _fresh(x["y"]), x["dout"])


@probe("Computational graph", _graph_inputs)
def graph_nodes(pkg, x, out):
    _graph_node(pkg, pkg.computational_graph.MulLayer, "mul", x, out)
    _graph_node(pkg, pkg.computational_graph.AddLayer, "add", x, out)


@probe("Computational graph", _graph_inputs)
def shopping(pkg, x, out):
    args = [float(x[k]) for k in ("apple", "apple_num", "orange", "orange_num", "tax")]
    out["price"], grads = pkg.computational_graph.buy_apples_and_oranges(*args)
    # "_count", not "_num": a key ending in "_num" is read as a numeric gradient.
    for key, name in (("dapple", "apple"), ("dapple_count", "apple_num"), ("dorange", "orange"),
                      ("dorange_count", "orange_num"), ("dtax", "tax")):
        out[key] = grads[name]


# --- the child's side -------------------------------------------------------------------------------

def run_probe(name, pkg, x):
    """Run one probe; returns (outputs as arrays of numbers, status, error text, where)."""
    out = _Outputs()
    try:
        PROBES[name][2](pkg, x, out)
        status, error, where = OK, "", ""
    except NotImplementedError as e:
        status, error, where = NOT_IMPLEMENTED, str(e), _where(e)
    except BaseException as e:                    # SystemExit and KeyboardInterrupt too: report, go on
        status, error, where = RAISED, f"{type(e).__name__}: {e}", _where(e)
    arrays = {k: v for k, v in out.items() if isinstance(v, np.ndarray) and v.dtype.kind in "biuf"}
    bad = [f"{k} is {type(v).__name__}, not an array of numbers" for k, v in out.items() if k not in arrays]
    if bad and status == OK:
        status, error = RAISED, "; ".join(bad)
    return arrays, status, error[:ERROR_CHARS], where


def _where(exc):
    """``file.py:line`` of the innermost frame inside the package, or ""."""
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        return f"{os.path.basename(exc.filename)}:{exc.lineno}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.sep + PACKAGE + os.sep in f.filename]
    return f"{os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""


def _save(path, arrays, status, error, where):
    tmp = f"{path}.{os.getpid()}.tmp.npz"          # forked copies of this process must not share one
    np.savez(tmp, __status__=np.array(status), __error__=np.frombuffer(error.encode(), np.uint8),
             __where__=np.frombuffer(where.encode(), np.uint8), **arrays)
    os.replace(tmp, path)


# Audit events of code made or loaded, or of another program started. After the package is imported,
# only the import system may cause them, loading an installed module (NumPy imports some lazily).
LOADING = frozenset({"compile", "exec", "marshal.load", "marshal.loads", "code.__new__", "function.__new__",
                     "pickle.find_class", "import", "os.exec", "os.posix_spawn", "os.spawn", "os.system",
                     "subprocess.Popen", "ctypes.dlopen", "ctypes.dlsym"})


def guard():
    """From now on, end the run with ``LOADED_CODE`` as soon as code is made or loaded from outside the
    Python installation, or by a caller outside it: ``exec`` of a string, ``marshal``, a function made
    from a code object, a module the run wrote, unpickling. An audit hook cannot be removed, and it holds
    its own ``os._exit``: the student's code can neither switch it off nor patch what it calls."""
    exit_, frames, code, runner = os._exit, sys._getframe, type(guard.__code__), globals()
    prefixes = tuple({p + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})
    # The launcher's files: the run cannot write them, as it can write any file of its scratch folder
    # (this runner's included: the runner is known by its globals).
    known, frame, scratch = set(), frames(), os.getcwd() + os.sep
    while frame is not None:
        name = frame.f_code.co_filename
        if os.path.isabs(name) and not name.startswith(scratch):
            known.add(name)
        frame = frame.f_back

    def trusted(name):
        return name in known or name.startswith(prefixes) or name.startswith("<frozen ")

    def hook(event, args):
        if event not in LOADING:
            return
        if event == "import":             # its file is given for an extension module only
            if args[1] is None or trusted(args[1]):
                return
            exit_(LOADED_CODE)
        if event == "exec" and args[0].__class__ is code and not args[0].co_filename.startswith("<") \
                and not trusted(args[0].co_filename):
            exit_(LOADED_CODE)            # a file the run wrote, or the reference's bytecode
        frame = frames().f_back           # the code that caused the event, if any
        while frame is not None:
            name = frame.f_code.co_filename
            if name.startswith("<frozen importlib"):
                return                    # the import system, loading an installed module
            if not trusted(name) and frame.f_globals is not runner:
                exit_(LOADED_CODE)
            frame = frame.f_back

    sys.addaudithook(hook)


def package(name):
    """The package ``name`` (the student's hybrid, or the reference) with its modules as attributes."""
    return SimpleNamespace(**{module: importlib.import_module(f"{name}.{module}") for module in MODULES})


def main(*names):
    """Run the probes of each section named (a probe's own name runs that probe alone), saving each
    probe's results as it finishes."""
    sys.path.insert(0, os.getcwd())
    sys.setrecursionlimit(2000)
    with open(INPUTS, "rb") as stream:           # the grader's, read before any student code runs
        inputs = pickle.load(stream)
    os.makedirs("out", exist_ok=True)
    try:
        pkg, failure = package(PACKAGE), None
    except BaseException as e:                    # a syntax error in a region, for one
        pkg, failure = None, (RAISED, f"{type(e).__name__}: {e}"[:ERROR_CHARS], _where(e))
    guard()
    for name in [p for n in names for p in ([n] if n in PROBES else probes_of(n))]:
        x = {k.split("/", 1)[1]: v for k, v in inputs.items() if k.startswith(name + "/")}
        result = ({}, *failure) if failure else run_probe(name, pkg, x)
        _save(os.path.join("out", name + ".npz"), *result)


if __name__ == "__main__":
    main(*sys.argv[1:])
