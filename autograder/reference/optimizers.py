"""Optimisers: update every layer's ``parameters`` in place from its ``gradients``."""

import numpy as np


class Optimizer:
    """Keeps per-parameter state, keyed by the layer's index and the parameter's name."""

    def __init__(self, lr, clip_norm=None):
        if lr <= 0:
            raise ValueError(f"the learning rate must be positive; got {lr}")
        self.lr = lr
        self.clip_norm = clip_norm
        self.state = {}

    def step(self, layers):
        """Update the parameters of every layer (a list of ``FullyConnected``) in place."""
        for i, layer in enumerate(layers):
            for name, param in layer.parameters.items():
                grad = self._clip(layer.gradients[name])
                param -= self.delta(f"{i}.{name}", grad)

    def delta(self, key, grad):
        """The amount to subtract from the parameter ``key`` given its gradient."""
        raise NotImplementedError

    def _clip(self, grad):
        # Rescale a gradient whose norm exceeds clip_norm: one bad batch cannot throw the weights far.
        if self.clip_norm is None:
            return grad
        norm = np.linalg.norm(grad)
        return grad * (self.clip_norm / norm) if norm > self.clip_norm else grad

    def __repr__(self):
        return f"{type(self).__name__}(lr={self.lr}, clip_norm={self.clip_norm})"


class SGD(Optimizer):
    """Stochastic gradient descent with momentum: ``v = m v + g``, ``param -= lr v``."""

    def __init__(self, lr=0.05, momentum=0.9, clip_norm=None):
        super().__init__(lr, clip_norm)
        self.momentum = momentum

    def delta(self, key, grad):
        v = self.momentum * self.state.get(key, 0.0) + grad
        self.state[key] = v
        return self.lr * v

    def __repr__(self):
        return f"SGD(lr={self.lr}, momentum={self.momentum}, clip_norm={self.clip_norm})"


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015), with bias-corrected first and second moments."""

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, clip_norm=None):
        super().__init__(lr, clip_norm)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def delta(self, key, grad):
        m, v, t = self.state.get(key, (0.0, 0.0, 0))
        t += 1
        m = self.beta1 * m + (1 - self.beta1) * grad
        v = self.beta2 * v + (1 - self.beta2) * grad**2
        self.state[key] = (m, v, t)
        m_hat = m / (1 - self.beta1**t)
        v_hat = v / (1 - self.beta2**t)
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def initialize_optimizer(name="sgd", **kwargs):
    """Return a new optimiser by name: one of ``OPTIMIZERS``, built with ``kwargs``."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {sorted(OPTIMIZERS)}")
    return OPTIMIZERS[name](**kwargs)
