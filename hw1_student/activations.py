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
        # exp(-z) overflows for very negative z; np.exp(-np.logaddexp(0, -Z)) is the same value and stable.
        raise NotImplementedError("activations:Sigmoid.forward")
        ### END YOUR CODE ###
        return Y

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
        ``f'(z) = f(z) (1 - f(z))``, so ``dZ = dY * f(Z) * (1 - f(Z))``.
        """
        Z = self.cache["Z"]
        ### BEGIN YOUR CODE ###
        # Recompute f(Z) from the cached input; multiply element-wise by the upstream gradient.
        raise NotImplementedError("activations:Sigmoid.backward")
        ### END YOUR CODE ###
        return dZ


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
        # One NumPy call does it for the whole array.
        raise NotImplementedError("activations:ReLU.forward")
        ### END YOUR CODE ###
        return Y

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
        ``f'(z) = 1`` for ``z > 0`` and ``0`` otherwise (we take 0 at the kink ``z = 0``): the upstream
        gradient passes where the input was positive and is blocked elsewhere. Do not change ``dY`` in
        place: the caller still owns it.
        """
        Z = self.cache["Z"]
        ### BEGIN YOUR CODE ###
        # The mask comes from the cached input Z; the kink z = 0 gets gradient 0.
        raise NotImplementedError("activations:ReLU.backward")
        ### END YOUR CODE ###
        return dZ


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
        # Shift each row by its maximum, exponentiate, normalise each row.
        raise NotImplementedError("activations:SoftMax.forward")
        ### END YOUR CODE ###
        self.cache["Y"] = Y
        return Y

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
        For one row ``y``, the Jacobian is ``J = diag(y) - y y^T`` and ``dz = J dy``; for all rows at once
        this is ``dZ = Y * (dY - sum(dY * Y, axis=1))``. A loop over the rows is allowed here.
        """
        Y = self.cache["Y"]
        ### BEGIN YOUR CODE ###
        # J is symmetric, so J^T dy = J dy; sum over the classes, keeping the axis for broadcasting.
        raise NotImplementedError("activations:SoftMax.backward")
        ### END YOUR CODE ###
        return dZ


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
