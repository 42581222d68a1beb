"""The data sets: Iris for the classification, a sine curve for the optional regression.

Iris: 150 flowers, 4 measurements, 3 species; shipped with the package as ``data/iris.csv``.
The split is fixed and stratified: 105 train, 15 validation, 30 test (35, 5 and 10 of each species).
Features are standardised with the mean and standard deviation of the training split only.

Sine: ``y = sin(x)`` for ``x`` drawn uniformly from [-5, 5], made from a seed (nothing to download).
"""

import csv
from pathlib import Path

import numpy as np

IRIS_CSV = Path(__file__).with_name("data") / "iris.csv"
SPLIT_PER_CLASS = {"train": 35, "validate": 5, "test": 10}


def read_iris(path=IRIS_CSV):
    """X : ndarray of shape (150, 4), y : ndarray of shape (150,) of int class ids, and the class names."""
    with open(path, newline="", encoding="utf-8") as f:
        lines = list(csv.reader(f))
    header, features, labels = lines[0], [], []
    for number, row in enumerate(lines[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise ValueError(f"{path}:{number}: {len(row)} fields; the header has {len(header)}")
        try:
            features.append([float(v) for v in row[:-1]])
        except ValueError:
            raise ValueError(f"{path}:{number}: a measurement is not a number: {row[:-1]}") from None
        labels.append(row[-1])
    names = sorted(set(labels))
    return np.array(features), np.array([names.index(label) for label in labels]), names


class DataSplit:
    """The samples of one split.

    X : ndarray of shape (N, D), standardised features
    y : ndarray of shape (N,), class ids
    Y : ndarray of shape (N, C), one-hot
    """

    def __init__(self, X, y, n_classes):
        self.X, self.y = X, y
        self.Y = np.eye(n_classes)[y]

    def batches(self, batch_size, rng):
        """Yield (X, Y) batches that cover every sample exactly once, in a new order each call.

        The last batch holds the remainder (it may be smaller than ``batch_size``).
        """
        order = rng.permutation(len(self))
        for start in range(0, len(self), batch_size):
            idx = order[start:start + batch_size]
            yield self.X[idx], self.Y[idx]

    def __len__(self):
        return len(self.y)

    def __repr__(self):
        return f"DataSplit(N={len(self)}, D={self.X.shape[1]}, C={self.Y.shape[1]})"


class Iris:
    """The three splits of Iris: ``train``, ``validate``, ``test``, and the class names.

    ``split_seed`` fixes which flowers go to which split; it stays 0 so every run tests on the same 30.
    """

    def __init__(self, split_seed=0, path=IRIS_CSV):
        X, y, self.class_names = read_iris(path)
        rng = np.random.default_rng(split_seed)
        parts = {name: [] for name in SPLIT_PER_CLASS}
        for c in range(len(self.class_names)):
            idx = rng.permutation(np.flatnonzero(y == c))
            start = 0
            for name, n in SPLIT_PER_CLASS.items():
                parts[name].append(idx[start:start + n])
                start += n
        idx = {name: np.sort(np.concatenate(p)) for name, p in parts.items()}
        mean, std = X[idx["train"]].mean(axis=0), X[idx["train"]].std(axis=0)
        C = len(self.class_names)
        self.train, self.validate, self.test = (DataSplit((X[idx[n]] - mean) / std, y[idx[n]], C)
                                                for n in SPLIT_PER_CLASS)

    def __repr__(self):
        return f"Iris(train={len(self.train)}, validate={len(self.validate)}, test={len(self.test)})"


SINE_RANGE = (-5.0, 5.0)
SINE_SPLIT = {"train": 1000, "validate": 200, "test": 200}


class RegressionSplit(DataSplit):
    """The samples of one split of a regression.

    X : ndarray of shape (N, D), features
    Y : ndarray of shape (N, K), real-valued targets
    y : None (there are no classes)
    """

    def __init__(self, X, Y):
        self.X, self.Y, self.y = X, Y, None

    def __len__(self):
        return len(self.X)

    def __repr__(self):
        return f"RegressionSplit(N={len(self)}, D={self.X.shape[1]}, K={self.Y.shape[1]})"


class Sine:
    """``y = sin(x)`` on [-5, 5]: ``train`` (1000 samples), ``validate`` (200) and ``test`` (200).

    Each split's ``X`` (N, 1) is ``features(x)``, the x scaled to [-1, 1] (inputs of order 1 keep tanh
    units out of saturation), and ``Y`` (N, 1) is ``sin(x)``. ``split_seed`` fixes the samples.
    """

    def __init__(self, split_seed=0):
        rng = np.random.default_rng(split_seed)
        low, high = SINE_RANGE
        splits = []
        for n in SINE_SPLIT.values():
            x = rng.uniform(low, high, size=n)
            splits.append(RegressionSplit(self.features(x), np.sin(x)[:, None]))
        self.train, self.validate, self.test = splits

    @staticmethod
    def features(x):
        """x : ndarray of shape (N,), points of [-5, 5] -> X : ndarray of shape (N, 1), in [-1, 1]."""
        return np.asarray(x).reshape(-1, 1) / max(abs(v) for v in SINE_RANGE)

    @staticmethod
    def points(X):
        """The inverse of ``features``: X : ndarray of shape (N, 1) -> x : ndarray of shape (N,)."""
        return X[:, 0] * max(abs(v) for v in SINE_RANGE)

    def __repr__(self):
        return f"Sine(train={len(self.train)}, validate={len(self.validate)}, test={len(self.test)})"
