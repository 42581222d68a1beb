"""Weight initialisers: each name gives a callable ``init(shape) -> ndarray`` for a weight matrix.

The gains follow the original homework (and PyTorch's ``calculate_gain``): 1 for identity and sigmoid,
5/3 for tanh, sqrt(2) for ReLU.
"""

import numpy as np

GAINS = {"identity": 1.0, "linear": 1.0, "sigmoid": 1.0, "softmax": 1.0, "tanh": 5.0 / 3.0, "relu": np.sqrt(2.0)}


def calculate_gain(activation):
    """The recommended gain for the layer's activation (1.0 when there is none)."""
    if activation is None:
        return 1.0
    if activation not in GAINS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(GAINS)}")
    return GAINS[activation]


def _fans(shape):
    """fan_in, fan_out of a weight of shape (D, H)."""
    if len(shape) != 2:
        raise ValueError(f"a weight matrix has shape (D, H); got {shape!r}")
    return shape[0], shape[1]


def zeros(shape, activation=None, rng=None):
    return np.zeros(shape)


def uniform(shape, activation=None, rng=None):
    """U(-1, 1)."""
    return _rng(rng).uniform(-1.0, 1.0, size=shape)


def normal(shape, activation=None, rng=None):
    """N(0, 1)."""
    return _rng(rng).normal(0.0, 1.0, size=shape)


def xavier_uniform(shape, activation=None, rng=None):
    """U(-a, a) with ``a = gain * sqrt(6 / (D + H))`` (Glorot and Bengio, 2010)."""
    fan_in, fan_out = _fans(shape)
    a = calculate_gain(activation) * np.sqrt(6.0 / (fan_in + fan_out))
    return _rng(rng).uniform(-a, a, size=shape)


def xavier_normal(shape, activation=None, rng=None):
    """N(0, s^2) with ``s = gain * sqrt(2 / (D + H))``."""
    fan_in, fan_out = _fans(shape)
    std = calculate_gain(activation) * np.sqrt(2.0 / (fan_in + fan_out))
    return _rng(rng).normal(0.0, std, size=shape)


def he_uniform(shape, activation=None, rng=None):
    """U(-a, a) with ``a = gain * sqrt(3 / D)`` (He et al., 2015)."""
    fan_in, _ = _fans(shape)
    a = calculate_gain(activation) * np.sqrt(3.0 / fan_in)
    return _rng(rng).uniform(-a, a, size=shape)


def he_normal(shape, activation=None, rng=None):
    """N(0, s^2) with ``s = gain / sqrt(D)``."""
    fan_in, _ = _fans(shape)
    std = calculate_gain(activation) / np.sqrt(fan_in)
    return _rng(rng).normal(0.0, std, size=shape)


def _rng(rng):
    # Without a generator, draw from NumPy's global state, as the original homework did
    # (``np.random.seed`` then makes a run repeatable).
    return rng if rng is not None else np.random.mtrand._rand


INITIALIZERS = {
    "zeros": zeros,
    "uniform": uniform,
    "normal": normal,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}


def initialize_weights(name, activation=None, rng=None):
    """Return ``init(shape) -> ndarray of that shape`` for the initialiser ``name``.

    Parameters
    ----------
    name : str, one of ``INITIALIZERS``
    activation : str or None, the layer's activation, which sets the gain
    rng : numpy.random.Generator or None; None draws from NumPy's global random state
    """
    if name not in INITIALIZERS:
        raise ValueError(f"unknown weight initialisation {name!r}; expected one of {sorted(INITIALIZERS)}")
    init = INITIALIZERS[name]
    return lambda shape: init(tuple(shape), activation=activation, rng=rng)
