"""Element-wise activations and the softmax.

Each activation caches in ``forward`` what its ``backward`` needs, so ``backward`` takes only the upstream
gradient ``dY`` (of the shape of the output) and returns ``dZ`` (of the shape of the input).
"""

import numpy as np

from .module import Module


class Activation(Module):
    """An activation function ``Y = f(Z)``; ``forward`` stores its input in ``self.cache["Z"]``."""

    def __init__(self):
        self.cache = {}


class Identity(Activation):
    """``f(z) = z``."""

    def forward(self, Z):
        """Z : ndarray of shape (N, H) -> Y : ndarray of shape (N, H), a copy of Z."""
        self.cache["Z"] = Z
        return Z.copy()

    def backward(self, dY):
        """dY : ndarray of shape (N, H) -> dZ = dY, of shape (N, H)."""
        return dY.copy()


class Sigmoid(Activation):
    """``f(z) = 1 / (1 + exp(-z))``. A practice region: it carries no points."""

    def forward(self, Z):
        """Apply the logistic sigmoid element-wise.

        Parameters
        ----------
        Z : ndarray of shape (N, H)

        Returns
        -------
        Y : ndarray of shape (N, H), in (0, 1)
        """
        self.cache["Z"] = Z
        ### BEGIN YOUR CODE ###
        # exp(-z) overflows for very negative z: find a form of the same function that stays finite.
        raise NotImplementedError("activations:Sigmoid.forward")
        ### END YOUR CODE ###

    def backward(self, dY):
        """Gradient of the loss with respect to Z.

        Parameters
        ----------
        dY : ndarray of shape (N, H), the gradient with respect to the output

        Returns
        -------
        dZ : ndarray of shape (N, H)

        Derive f'(z) first and write it in terms of f(z); the chain rule is element-wise here.
        """
        Z = self.cache["Z"]
        ### BEGIN YOUR CODE ###
        # Recompute what you need from the cached input; the upstream gradient enters element-wise.
        raise NotImplementedError("activations:Sigmoid.backward")
        ### END YOUR CODE ###


class TanH(Activation):
    """``f(z) = tanh(z)``."""

    def forward(self, Z):
        """Z : ndarray of shape (N, H) -> Y = tanh(Z), of shape (N, H)."""
        self.cache["Z"] = Z
        return np.tanh(Z)

    def backward(self, dY):
        """dY : ndarray of shape (N, H) -> dZ = dY * (1 - tanh(Z)**2), of shape (N, H)."""
        return dY * (1.0 - np.tanh(self.cache["Z"]) ** 2)


class ReLU(Activation):
    """``f(z) = max(0, z)``."""

    def forward(self, Z):
        """Apply the rectified linear unit element-wise.

        Parameters
        ----------
        Z : ndarray of shape (N, H)

        Returns
        -------
        Y : ndarray of shape (N, H), ``max(0, Z)``

        Vectorise: no Python loop over the elements.
        """
        self.cache["Z"] = Z
        ### BEGIN YOUR CODE ###
        # One NumPy call does it for the whole array; return the result.
        raise NotImplementedError("activations:ReLU.forward")
        ### END YOUR CODE ###

    def backward(self, dY):
        """Gradient of the loss with respect to Z.

        Parameters
        ----------
        dY : ndarray of shape (N, H), the gradient with respect to the output

        Returns
        -------
        dZ : ndarray of shape (N, H)

        Notes
        -----
        Derive ``f'(z)`` on each side of 0. At the kink ``z = 0`` any value in [0, 1] is a subgradient; the
        usual convention is 0. Do not change ``dY`` in place: the caller still owns it.
        """
        Z = self.cache["Z"]
        ### BEGIN YOUR CODE ###
        # The chain rule, element-wise: which entries of dY pass depends on the cached input Z.
        raise NotImplementedError("activations:ReLU.backward")
        ### END YOUR CODE ###


class SoftMax(Activation):
    """``f(z)_i = exp(z_i) / sum_j exp(z_j)``, over the last axis (the classes)."""

    def forward(self, Z):
        """Softmax over the classes of each row.

        Parameters
        ----------
        Z : ndarray of shape (N, C)

        Returns
        -------
        Y : ndarray of shape (N, C); every row is positive and sums to 1

        Notes
        -----
        ``softmax(z) = softmax(z - max(z))``: subtract each row's maximum first, or ``exp`` overflows for
        logits of a few hundred. A loop over the rows is allowed here.
        """
        self.cache["Z"] = Z
        ### BEGIN YOUR CODE ###
        # Shift each row by its maximum, exponentiate, normalise each row; cache what backward needs.
        raise NotImplementedError("activations:SoftMax.forward")
        ### END YOUR CODE ###

    def backward(self, dY):
        """Gradient of the loss with respect to Z.

        Parameters
        ----------
        dY : ndarray of shape (N, C), the gradient with respect to the output

        Returns
        -------
        dZ : ndarray of shape (N, C)

        Notes
        -----
        Each output of a row depends on every input of that row: derive the Jacobian of one row's
        softmax, then apply it to that row of ``dY``. A loop over the rows is allowed here.
        """
        ### BEGIN YOUR CODE ###
        # Read back what your forward cached; every gradient has the shape of its tensor.
        raise NotImplementedError("activations:SoftMax.backward")
        ### END YOUR CODE ###


ACTIVATIONS = {
    "identity": Identity,
    "linear": Identity,
    "sigmoid": Sigmoid,
    "tanh": TanH,
    "relu": ReLU,
    "softmax": SoftMax,
}


def initialize_activation(name):
    """Return a new activation by name: one of ``ACTIVATIONS``."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}") from None
