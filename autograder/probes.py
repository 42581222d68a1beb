"""Probes: the trusted code that exercises a package's layers and returns arrays.

The same probe runs twice: in the parent against the reference (the expected values), and in the
sandboxed child against the hybrid package (the student's values). The parent compares; the child
only computes. So this file depends on NumPy and the standard library alone: it is copied into the
child's scratch folder and run there as a script::

    python -I runner.py SECTION        # cwd: scratch/, holding hw1_student/ and inputs.pickle

The child writes ``out/<probe>.npz`` after each probe (so a later crash loses nothing already
computed), holding the probe's arrays and ``__status__`` (OK, NOT_IMPLEMENTED or RAISED), with the
exception as UTF-8 bytes in ``__error__`` and where it was raised in ``__where__``.

Every probe ``run(pkg, x, out)`` reads its inputs from ``x`` and writes arrays into ``out`` as it goes,
so what was computed before an exception is kept. ``pkg`` has the package's modules as attributes.
"""

import binascii
import os
import pickle
import struct
import sys
import traceback
from collections import OrderedDict

import numpy as np

OK, NOT_IMPLEMENTED, RAISED = 0, 1, 2
PACKAGE = "hw1_student"
MODULES = ("activations", "fully_connected", "losses", "models", "grad_check", "regularization",
           "computational_graph")
ERROR_CHARS = 300
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


def is_timing(name):
    """Whether a probe times code (vectorisation's second signal) rather than computing arrays."""
    return name.endswith("_timing")


def _off_kink(rng, shape, scale=1.0):
    """Normal values at least 0.05 away from 0, so central differences never straddle the ReLU kink."""
    Z = rng.normal(scale=scale, size=shape)
    return np.where(np.abs(Z) < 0.05, np.sign(Z + 1e-300) * 0.05 + Z, Z)


def _one_hot(rng, n, c):
    return np.eye(c)[rng.integers(0, c, size=n)]


def _numeric(pkg, f, x, dY=None):
    """The package's own numeric gradient (``grad_check.numeric_gradient``) of ``f`` at ``x``."""
    return pkg.grad_check.numeric_gradient(f, x, dY)


def _fresh(value):
    return np.array(value, dtype=np.float64, copy=True)


class _Outputs(dict):
    """A probe's outputs, copied as they are stored: a later in-place ``+=`` in the student's code
    must not rewrite what an earlier call returned. What cannot be an array is kept as it is, for
    ``run_probe`` to report."""

    def __setitem__(self, key, value):
        try:
            value = _numbers(value) if value is not None else value
        except (TypeError, ValueError):
            pass
        super().__setitem__(key, value)


def _numbers(value):
    """A copy of ``value`` as an array of numbers in its own dtype (bool, integer or float: the feedback
    names it), anything else as float64; raises TypeError or ValueError when it is not numbers."""
    array = np.array(value, copy=True)
    return array if array.dtype.kind in "biuf" else np.array(value, dtype=np.float64, copy=True)


# --- activations ------------------------------------------------------------------------------------

def _elementwise_inputs(rng):
    kink = np.array([[0.0, -0.0, 1e-12, -1e-12], [-2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    big = np.array([[1000.0, -1000.0, 710.0, -745.0], [0.5, -0.5, 30.0, -30.0]])
    return {"Z": _off_kink(rng, (7, 5), 2.0), "Z1": _off_kink(rng, (1, 4)), "Zk": kink, "Zbig": big,
            "Zb": _off_kink(rng, (6, 5)), "dY": rng.normal(size=(6, 5)),
            "Z2": _off_kink(rng, (4, 5)), "dY2": rng.normal(size=(4, 5)), "dYk": np.ones((3, 4))}


def _activation_forward(cls, x, out):
    for key in ("Z", "Z1", "Zk", "Zbig"):
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
    for key in ("Z", "Z1", "Zbig"):
        out["Y" + key[1:]] = pkg.activations.SoftMax().forward(_fresh(x[key]))


@probe("SoftMax", _softmax_inputs)
def softmax_backward(pkg, x, out):
    _activation_backward(pkg, pkg.activations.SoftMax, x, out)


# --- fully connected --------------------------------------------------------------------------------

def _fc_inputs(rng):
    return {"A": rng.normal(size=(3, 5)), "X": rng.normal(size=(6, 4)), "X1": rng.normal(size=(1, 4)),
            "W": rng.normal(scale=0.7, size=(4, 3)), "b": rng.normal(size=(1, 3)),
            "dY": rng.normal(size=(6, 3)), "X2": rng.normal(size=(2, 4)), "dY2": rng.normal(size=(2, 3))}


def _fc_layer(pkg, x, activation="tanh"):
    """A layer with the probe's W and b set directly, so its checks do not depend on ``_init_parameters``."""
    layer = pkg.fully_connected.FullyConnected(x["W"].shape[1], activation)
    layer.n_in = x["W"].shape[0]
    layer.parameters = OrderedDict({"W": _fresh(x["W"]), "b": _fresh(x["b"])})
    layer.gradients = OrderedDict({"W": np.zeros_like(x["W"]), "b": np.zeros_like(x["b"])})
    layer.cache = OrderedDict()
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
    out["gW"] = layer.gradients["W"]
    out["gb"] = layer.gradients["b"]


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
    out["dX2"] = layer.backward(_fresh(x["dY2"]))
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


@probe("CrossEntropy", _ce_inputs)
def cross_entropy(pkg, x, out):
    for suffix in ("", "big", "1"):
        loss = pkg.losses.CrossEntropyLoss()
        out["loss" + suffix] = loss.forward(_fresh(x["L" + suffix]), _fresh(x["Y" + suffix]))
        out["dL" + suffix] = loss.backward()
    loss = pkg.losses.CrossEntropyLoss()
    out["dL_num"] = _numeric(pkg, lambda L: loss.forward(L, x["Y"]), _fresh(x["L"]))


# --- the model --------------------------------------------------------------------------------------

def _model_inputs(rng):
    return {"X": rng.normal(size=(6, 4)), "Y": _one_hot(rng, 6, 3),
            "W1": rng.normal(scale=0.8, size=(4, 5)), "b1": rng.normal(scale=0.5, size=(1, 5)),
            "W2": rng.normal(scale=0.8, size=(5, 3)), "b2": rng.normal(scale=0.5, size=(1, 3))}


def _two_layer(pkg, x):
    layers = []
    # tanh, not relu: the Model section is graded without any activation region of the reference.
    for i, activation in ((1, "tanh"), (2, "identity")):
        layer = pkg.fully_connected.FullyConnected(x[f"W{i}"].shape[1], activation)
        layer.n_in = x[f"W{i}"].shape[0]
        layer.parameters = OrderedDict({"W": _fresh(x[f"W{i}"]), "b": _fresh(x[f"b{i}"])})
        layer.gradients = OrderedDict({"W": np.zeros_like(x[f"W{i}"]), "b": np.zeros_like(x[f"b{i}"])})
        layers.append(layer)
    return pkg.models.NeuralNetwork(layers, "cross_entropy")


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


# --- the optional parts (issue 7): L2 regularisation, regression losses, the computational graph -------

L2_DECAY = 0.1                      # the lambda of the L2 probes


def _l2_network(pkg, x):
    """The Model probes' two-layer network, with weight decay."""
    return pkg.models.NeuralNetwork(_two_layer(pkg, x).layers, "cross_entropy", weight_decay=L2_DECAY)


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
    net = _l2_network(pkg, x)
    out["loss"] = net.loss_and_gradients(_fresh(x["X"]), _fresh(x["Y"]))
    for i, layer in enumerate(net.layers, start=1):
        out[f"dW{i}"], out[f"db{i}"] = layer.gradients["W"], layer.gradients["b"]
    net = _l2_network(pkg, x)
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


# --- timing: vectorisation's second signal, reported and never scored ----------------------------------

TIMING_REPEATS = 3
TIMING_BUDGET = 1.0          # seconds a timing probe may spend repeating; a slow loop is timed once


def _timed(out, code, baseline):
    """``t_code`` and ``t_numpy``: the best times of the code under test and of a plain NumPy baseline
    doing the unavoidable arithmetic on the same arrays, both in this process. The two are timed in turn,
    after one untimed call of each (first calls pay for imports and allocations), so that a busy moment
    of the machine weighs on both; at most TIMING_BUDGET seconds are spent repeating."""
    import time
    best = {"t_code": float("inf"), "t_numpy": float("inf")}
    spent = 0.0
    for repeat in range(TIMING_REPEATS + 1):
        for key, f in (("t_numpy", baseline), ("t_code", code)):
            start = time.perf_counter()
            f()
            took = time.perf_counter() - start
            spent += took
            if repeat:
                best[key] = min(best[key], took)
        if repeat and spent > TIMING_BUDGET:
            break
    out["t_numpy"], out["t_code"] = best["t_numpy"], best["t_code"]


def _timing_inputs(rng):
    return {"Zt": rng.normal(size=(128, 256)), "dYt": rng.normal(size=(128, 256))}


@probe("ReLU", _timing_inputs)
def relu_timing(pkg, x, out):
    Z, dY = x["Zt"], x["dYt"]

    def code():
        relu = pkg.activations.ReLU()
        relu.forward(_fresh(Z))
        relu.backward(_fresh(dY))

    _timed(out, code, lambda: (np.add(Z, 0.0), np.multiply(dY, Z)))


def _fc_timing_inputs(rng):
    return {"Zt": rng.normal(size=(256, 64)), "W": rng.normal(size=(64, 32)), "b": rng.normal(size=(1, 32)),
            "dYt": rng.normal(size=(256, 32))}


@probe("FullyConnected", _fc_timing_inputs)
def fc_timing(pkg, x, out):
    X, W, dY = x["Zt"], x["W"], x["dYt"]

    def code():
        layer = _fc_layer(pkg, {"W": W, "b": x["b"]}, "identity")
        layer.forward(_fresh(X))
        layer.backward(_fresh(dY))

    _timed(out, code, lambda: (X @ W, dY @ W.T, X.T @ dY))


def _ce_timing_inputs(rng):
    return {"Zt": rng.normal(size=(4096, 10)), "Yt": _one_hot(rng, 4096, 10)}


@probe("CrossEntropy", _ce_timing_inputs)
def ce_timing(pkg, x, out):
    L, Y = x["Zt"], x["Yt"]

    def code():
        loss = pkg.losses.CrossEntropyLoss()
        loss.forward(_fresh(L), _fresh(Y))
        loss.backward()

    _timed(out, code, lambda: (np.exp(L), np.log(L * L + 1.0), L - Y))


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
    arrays, bad = {}, []
    for key, value in out.items():
        try:
            if value is None:                     # np.array(None, float) would be a silent NaN
                raise TypeError
            arrays[key] = _numbers(value)
        except BaseException:
            bad.append(f"{key} is {type(value).__name__}, not an array of numbers")
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
    tmp = f"{path}.{os.getpid()}.tmp"             # forked copies of this process must not share one
    with open(tmp, "wb") as f:
        f.write(_npz({"__status__": np.array(status), "__error__": np.frombuffer(error.encode(), np.uint8),
                      "__where__": np.frombuffer(where.encode(), np.uint8), **arrays}))
    os.replace(tmp, path)


def _npz(arrays):
    """The bytes of an uncompressed ``.npz`` of ``arrays`` ({name: ndarray}), as ``np.load`` reads it.

    Written here rather than by ``np.savez``, whose zipfile costs a run ~1.5 ms for its first probe and
    ~0.4 ms for each other (this: ~0.5 ms and ~0.1 ms). Each member is a ``.npy`` of format 1.0 with the
    header ``np.save`` writes (the grader matches it exactly); the zip is the plainest (APPNOTE 4.3):
    stored, no extra fields, no zip64 (a probe's arrays are far below 4 GiB).
    """
    local, central, offset = [], [], 0
    for key, array in arrays.items():
        header = f"{{'descr': '{array.dtype.str}', 'fortran_order': False, 'shape': {array.shape}, }}"
        header += " " * (-(10 + len(header) + 1) % 64) + "\n"        # data aligned on 64 bytes, as np.save
        data = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1")
        data += array.tobytes()                                       # C order, whatever the array's
        name, crc = f"{key}.npy".encode(), binascii.crc32(data)
        # needs version 2.0, no flags, stored, 1980-01-01 00:00, crc, both sizes, name length, no extra field
        fields = (20, 0, 0, 0, 0x21, crc, len(data), len(data), len(name), 0)
        local += [struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields), name, data]
        # made by version 2.0, the same fields, no comment, disk 0, no attributes, the local header's offset
        central += [struct.pack("<4sH5H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, offset), name]
        offset += 30 + len(name) + len(data)
    directory = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(arrays), len(arrays), len(directory), offset, 0)
    return b"".join(local) + directory + end


class _Package:
    """The package's modules as attributes, imported on first use."""

    def __init__(self, package):
        import importlib
        for module in MODULES:
            setattr(self, module, importlib.import_module(f"{package}.{module}"))


def main(*names):
    """Run the probes of each section named (a probe's own name runs that probe alone), saving each
    probe's results as it finishes."""
    sys.path.insert(0, os.getcwd())
    sys.setrecursionlimit(2000)
    with open(INPUTS, "rb") as stream:           # the grader's, read before any student code runs
        inputs = pickle.load(stream)
    os.makedirs("out", exist_ok=True)
    try:
        pkg, failure = _Package(PACKAGE), None
    except BaseException as e:                    # a syntax error in a region, for one
        pkg, failure = None, (RAISED, f"{type(e).__name__}: {e}"[:ERROR_CHARS], _where(e))
    for name in [p for n in names for p in ([n] if n in PROBES else probes_of(n))]:
        x = {k.split("/", 1)[1]: v for k, v in inputs.items() if k.startswith(name + "/")}
        result = ({}, *failure) if failure else run_probe(name, pkg, x)
        _save(os.path.join("out", name + ".npz"), *result)


if __name__ == "__main__":
    main(*sys.argv[1:])
