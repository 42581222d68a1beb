"""A fully-connected (dense) layer followed by an activation."""

from collections import OrderedDict

import numpy as np

from .activations import initialize_activation
from .initializations import initialize_weights
from .module import Module


class FullyConnected(Module):
    """``Y = f(X W + b)``, with ``W`` of shape (D, H) and ``b`` of shape (1, H).

    Parameters
    ----------
    n_out : int, H, the number of units
    activation : str, the name of ``f`` (see ``activations.ACTIVATIONS``)
    weight_init : str, the name of the weight initialiser (see ``initializations.INITIALIZERS``)
    rng : numpy.random.Generator or None, for the initial weights

    The input size D is known only at the first ``forward``, which calls ``_init_parameters``.
    """

    def __init__(self, n_out, activation="relu", weight_init="xavier_uniform", rng=None):
        self.n_in = None
        self.n_out = n_out
        self.activation = initialize_activation(activation)
        self.init_weights = initialize_weights(weight_init, activation=activation, rng=rng)
        self.parameters = OrderedDict()
        self.cache = OrderedDict()
        self.gradients = OrderedDict()

    def _init_parameters(self, X_shape):
        """Create the parameters for inputs of shape ``X_shape = (N, D)``.

        Sets ``self.parameters["W"]``, of shape (D, H), drawn with ``self.init_weights``, and
        ``self.parameters["b"]``, zeros of shape (1, H); and ``self.gradients``, zero, with the same keys
        as ``self.parameters``.
        """
        self.n_in = X_shape[1]
        ### BEGIN YOUR CODE ###
        # init_weights takes a shape and returns the array; the bias starts at zero.
        raise NotImplementedError("fully_connected:FullyConnected._init_parameters")
        ### END YOUR CODE ###

    def forward(self, X):
        """Forward pass: ``Z = X W + b``, ``Y = f(Z)``.

        Parameters
        ----------
        X : ndarray of shape (N, D)

        Returns
        -------
        Y : ndarray of shape (N, H)

        Store in ``self.cache`` what ``backward`` needs. Vectorise: no Python loop over samples.
        """
        if self.n_in is None:
            self._init_parameters(X.shape)
        ### BEGIN YOUR CODE ###
        # One matrix product for the whole batch; b broadcasts over the N rows.
        raise NotImplementedError("fully_connected:FullyConnected.forward")
        ### END YOUR CODE ###

    def backward(self, dLdY):
        """Backward pass: the gradients of the loss with respect to X, W and b.

        Parameters
        ----------
        dLdY : ndarray of shape (N, H), the gradient with respect to this layer's output

        Returns
        -------
        dX : ndarray of shape (N, D)

        Also stores ``self.gradients["W"]`` (D, H) and ``self.gradients["b"]`` (1, H), overwriting the
        previous ones.

        Notes
        -----
        Go back through the activation first (its ``backward``), then through ``X W + b``. The loss already
        averages over the batch.
        """
        ### BEGIN YOUR CODE ###
        # The chain rule through the activation, then through the product; every gradient has the shape
        # of the tensor it differentiates.
        raise NotImplementedError("fully_connected:FullyConnected.backward")
        ### END YOUR CODE ###

    def __repr__(self):
        return (f"FullyConnected(n_in={self.n_in}, n_out={self.n_out}, "
                f"activation={type(self.activation).__name__})")
