"""Training throughput of the reference network on an MNIST-shaped task, against NumPy by hand, PyTorch
and the machine's matmul ceiling.

    python -m benchmarks.bench_training            # 20 steps x 9 repeats per setting; about a minute
    python -m benchmarks.bench_training --quick    # 10 steps x 5 repeats; about 30 s
    python -m benchmarks.bench_training --steps 25 --repeats 11    # BENCHMARKS.md's figures

The network is the homework's two-layer one at MNIST size: ``784 -> 256 ReLU -> 10`` logits, softmax
cross-entropy, SGD with momentum 0.9 (the reference's default optimiser), shuffled batches of 128 and 512,
in float32 and float64. For each setting, in the same run and interleaved repeat by repeat (so a noisy
neighbour slows every variant alike), it times a block of training steps of:

- ``reference``: ``initialize_model(..., dtype=...)`` and ``NeuralNetwork.train_step``, the code of
  ``autograder/reference/`` (so also a correct student's code that honours ``needs_input_grad``, below);
- ``minimal``: a hand-written NumPy MLP doing only what training needs, in place where it can, and
  ``minimal+dX``, the same with the product ``dZ1 W1^T`` (below): the work of a student's solution that
  always computes dX;
- ``pytorch``: the same network in PyTorch on the CPU, with ``torch.set_num_threads`` equal to NumPy's
  BLAS threads (skipped, with the reason printed, when torch is not installed: ``.venv/bin/pip install
  torch==2.13.0``, the ``bench`` extra of pyproject.toml);
- ``ceiling``: only the matrix products one training step needs (forward ``X W1``, ``H W2``; backward
  ``H^T dZ2``, ``dZ2 W2^T``, ``X^T dZ1``), into preallocated outputs: the machine's matmul ceiling for
  this network, in samples/s. ``FullyConnected.backward`` returns ``dX = dZ W^T``, which for the first
  layer, ``dZ1 W1^T``, would be a third product of the large size that nothing in training uses.
  ``train_step`` clears the first layer's ``needs_input_grad`` so that the reference skips it, as PyTorch
  does for an input that needs no gradient: ``reference``, ``minimal``, ``pytorch`` and the ceiling all
  do the same products, and ``minimal+dX`` shows what the third one would cost.

Every figure is samples/s as ``median [min-max]`` over the repeats; a ratio is the median over the repeats
of the ratio within one repeat.
"""

import argparse
import ctypes
import os
import statistics
import time

import numpy as np

from autograder.reference.models import initialize_model

N_SAMPLES, D, H, C = 60000, 784, 256, 10
BATCHES = (128, 512)
DTYPES = (np.float32, np.float64)
LR, MOMENTUM = 0.05, 0.9
# Seconds of rest when the timed code changes library: OpenBLAS's idle threads spin for about 0.1 s after
# a product and PyTorch's OpenMP threads after an op; without the rest, the next variant shares the two
# cores with them (measured: PyTorch at a third of its speed right after NumPy, and NumPy at half).
SETTLE = 0.15


def blas_threads():
    """The number of threads NumPy's OpenBLAS uses, read from the library itself."""
    with open("/proc/self/maps", encoding="utf-8") as f:
        paths = {line.split()[-1] for line in f if "openblas" in line.lower() and line.rstrip().endswith(".so")}
    for path in paths:
        lib = ctypes.CDLL(path)
        for symbol in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                       "openblas_get_num_threads"):
            if hasattr(lib, symbol):
                return int(getattr(lib, symbol)())
    return len(os.sched_getaffinity(0))


def synthetic_mnist(seed=0):
    """X : float64 ndarray of shape (60000, 784), y : int ndarray of shape (60000,), Y : one-hot (60000, 10).

    Labels come from a random linear teacher, so the task is learnable (the loss falls) but costs
    nothing to make; throughput does not depend on the values.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N_SAMPLES, D))
    y = np.argmax(X @ rng.standard_normal((D, C)), axis=1)
    return X, y, np.eye(C)[y]


class Reference:
    """The reference ``NeuralNetwork``, as train_ffnn.py builds it; its ``train_step`` skips the first
    layer's dX."""

    name, library = "reference", "numpy"

    def __init__(self, X, y, Y, dtype):
        self.X, self.Y = X, Y
        self.model = initialize_model(n_classes=C, hidden=H, seed=0, dtype=dtype, lr=LR, momentum=MOMENTUM)

    def step(self, idx):
        return self.model.train_step(self.X[idx], self.Y[idx])


class Minimal:
    """A hand-written two-layer MLP: the least NumPy work a training step can do, in place where it can.

    ``input_gradient=True`` (named ``minimal+dX``) also computes ``dZ1 W1^T``, as the homework's API does.
    """

    name, library = "minimal", "numpy"

    def __init__(self, X, y, Y, dtype, input_gradient=False):
        self.input_gradient = input_gradient
        if input_gradient:
            self.name = "minimal+dX"
        rng = np.random.default_rng(0)
        self.X, self.y, self.Y = X, y, Y
        self.W1 = rng.uniform(-1, 1, (D, H)).astype(dtype) * np.sqrt(12 / (D + H), dtype=dtype)
        self.b1 = np.zeros((1, H), dtype)
        self.W2 = rng.uniform(-1, 1, (H, C)).astype(dtype) * np.sqrt(6 / (H + C), dtype=dtype)
        self.b2 = np.zeros((1, C), dtype)
        self.params = (self.W1, self.b1, self.W2, self.b2)
        self.velocity = [np.zeros_like(p) for p in self.params]

    def step(self, idx):
        X, Y = self.X[idx], self.Y[idx]
        A = X @ self.W1
        A += self.b1
        np.maximum(A, 0, out=A)
        Z = A @ self.W2
        Z += self.b2
        Z -= Z.max(axis=1, keepdims=True)
        np.exp(Z, out=Z)
        Z /= Z.sum(axis=1, keepdims=True)
        loss = -np.log(Z[np.arange(len(idx)), self.y[idx]]).mean()
        Z -= Y
        Z /= len(idx)
        dW2, db2 = A.T @ Z, Z.sum(axis=0, keepdims=True)
        dA = Z @ self.W2.T
        dA *= A > 0
        dW1, db1 = X.T @ dA, dA.sum(axis=0, keepdims=True)
        if self.input_gradient:
            self.dX = dA @ self.W1.T          # kept only as the homework's backward returns it
        for p, v, g in zip(self.params, self.velocity, (dW1, db1, dW2, db2)):
            v *= MOMENTUM
            v += g
            g = np.multiply(v, LR, out=g)
            p -= g
        return float(loss)


class Ceiling:
    """Only the matrix products of one training step, into preallocated outputs."""

    name, library = "ceiling", "numpy"

    def __init__(self, X, y, Y, dtype, batch):
        rng = np.random.default_rng(0)
        self.X = X[:batch].copy()
        self.W1, self.W2 = rng.standard_normal((D, H)).astype(dtype), rng.standard_normal((H, C)).astype(dtype)
        self.A, self.dA = np.empty((batch, H), dtype), np.empty((batch, H), dtype)
        self.Z = np.empty((batch, C), dtype)
        self.dW1, self.dW2 = np.empty_like(self.W1), np.empty_like(self.W2)

    def step(self, idx):
        np.matmul(self.X, self.W1, out=self.A)
        np.matmul(self.A, self.W2, out=self.Z)
        np.matmul(self.A.T, self.Z, out=self.dW2)
        np.matmul(self.Z, self.W2.T, out=self.dA)
        np.matmul(self.X.T, self.dA, out=self.dW1)

    @staticmethod
    def flops_per_sample():
        """Multiply-adds x 2 of the five products, per sample."""
        return 2 * (D * H + H * C) * 2 + 2 * H * C


class PyTorch:
    """The same network, loss and optimiser in PyTorch on the CPU."""

    name, library = "pytorch", "torch"

    def __init__(self, X, y, Y, dtype):
        import torch
        torch.manual_seed(0)
        tdtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
        self.torch = torch
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)
        nn = torch.nn
        self.model = nn.Sequential(nn.Linear(D, H), nn.ReLU(), nn.Linear(H, C)).to(tdtype)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LR, momentum=MOMENTUM)
        self.loss = torch.nn.CrossEntropyLoss()

    def step(self, idx):
        idx = self.torch.from_numpy(idx)
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss(self.model(self.X[idx]), self.y[idx])
        loss.backward()
        self.optimizer.step()
        return loss.item()


def torch_or_reason(threads):
    """(True, version) when torch imports; else (False, why). Sets torch's threads to ``threads``."""
    try:
        import torch
    except ImportError as e:
        return False, f"torch is not installed ({e}); .venv/bin/pip install torch==2.13.0 for this baseline"
    torch.set_num_threads(threads)
    return True, f"torch {torch.__version__}, {torch.get_num_threads()} threads"


def measure(variants, batch, steps, repeats, seed=0):
    """samples/s of each variant: a list of ``repeats`` figures per name, variants interleaved per repeat."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(N_SAMPLES)
    batches = [order[(i * batch) % (N_SAMPLES - batch):][:batch] for i in range(steps)]
    rates = {v.name: [] for v in variants}
    for v in variants:                      # warm-up: first allocations, lazy parameters, thread pools
        for idx in batches[:3]:
            v.step(idx)
    library = None
    for _ in range(repeats):
        for v in variants:
            if v.library != library:
                time.sleep(SETTLE)
                library = v.library
            start = time.perf_counter()
            for idx in batches:
                v.step(idx)
            rates[v.name].append(steps * batch / (time.perf_counter() - start))
    return rates


def spread(values):
    """``median [min-max]`` of samples/s."""
    return f"{statistics.median(values):.0f} [{min(values):.0f}-{max(values):.0f}]"


def ratio(rates, a, b):
    """The median over the repeats of ``a / b`` in the same repeat, where a noisy neighbour slowed both."""
    if a not in rates or b not in rates:
        return "-"
    return f"{statistics.median(x / y for x, y in zip(rates[a], rates[b])):.2f}"


def main(argv=None):
    args = build_parser().parse_args(argv)
    steps, repeats = (10, 5) if args.quick else (args.steps, args.repeats)
    threads = blas_threads()
    has_torch, torch_note = torch_or_reason(threads)
    print(f"MNIST-shaped synthetic task {N_SAMPLES}x{D}, {C} classes, {D}->{H} ReLU->{C}, SGD momentum "
          f"{MOMENTUM}; {steps} steps x {repeats} repeats per setting; NumPy {np.__version__}, "
          f"{threads} BLAS threads; {torch_note}")
    print("reference (its train_step clears the first layer's needs_input_grad), minimal, ceiling and pytorch "
          "skip the first layer's dX = dZ1 W1^T; minimal+dX computes it")
    X64, y, Y64 = synthetic_mnist()
    for dtype in DTYPES:
        X, Y = X64.astype(dtype), Y64.astype(dtype)
        for batch in BATCHES:
            variants = [Reference(X, y, Y, dtype), Minimal(X, y, Y, dtype, input_gradient=True),
                        Minimal(X, y, Y, dtype), Ceiling(X, y, Y, dtype, batch)]
            if has_torch:
                variants.append(PyTorch(X, y, Y, dtype))
            rates = measure(variants, batch, steps, repeats)
            gflops = statistics.median(rates["ceiling"]) * Ceiling.flops_per_sample() / 1e9
            print(f"{np.dtype(dtype).name}, batch {batch}: samples/s, median [min-max]")
            for v in variants:
                note = f"   ({gflops:.0f} GFLOP/s in the products)" if v.name == "ceiling" else ""
                print(f"  {v.name:11} {spread(rates[v.name]):>26}{note}")
            print("  reference / " + ",  / ".join(f"{b} {ratio(rates, 'reference', b)}" for b in
                                                  ("pytorch", "ceiling", "minimal", "minimal+dX")))
    if not has_torch:
        print(f"pytorch skipped: {torch_note}")


def build_parser():
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_training", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="10 steps x 5 repeats: about 30 s")
    p.add_argument("--steps", type=int, default=20, help="training steps timed as one block (default 20)")
    p.add_argument("--repeats", type=int, default=9, help="blocks per variant and setting (default 9)")
    return p


if __name__ == "__main__":
    main()
