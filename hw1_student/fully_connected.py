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
    dtype : NumPy float dtype of the parameters and their gradients: float64 (the default) or float32

    The input size D is known only at the first ``forward``, which calls ``_init_parameters``.

    ``needs_input_grad`` (True unless the network says otherwise) tells ``backward`` whether anything uses
    the gradient with respect to this layer's input. ``NeuralNetwork.train_step`` clears it on the first
    layer for the step, as training never uses the gradient with respect to the data; ``backward`` may
    then skip the product ``dZ W^T`` and return None (PyTorch's ``ctx.needs_input_grad``).
    """

    def __init__(self, n_out, activation="relu", weight_init="xavier_uniform", rng=None, dtype=np.float64):
        self.n_in = None
        self.n_out = n_out
        self.dtype = np.dtype(dtype)
        self.activation = initialize_activation(activation)
        self.init_weights = initialize_weights(weight_init, activation=activation, rng=rng)
        self.parameters = OrderedDict()
        self.cache = OrderedDict()
        self.gradients = OrderedDict()
        self.needs_input_grad = True

    def _init_parameters(self, X_shape):
        """Create the parameters for inputs of shape ``X_shape = (N, D)``.

        Sets ``self.parameters["W"]``, of shape (D, H), drawn with ``self.init_weights``, and
        ``self.parameters["b"]``, zeros of shape (1, H); and ``self.gradients`` with zeros of the same
        shapes.
        """
        self.n_in = X_shape[1]
        ### BEGIN YOUR CODE ###
        # init_weights takes a shape and returns the array; the bias starts at zero.
        raise NotImplementedError("fully_connected:FullyConnected._init_parameters")
        ### END YOUR CODE ###
        self._cast_to_dtype()

    def _cast_to_dtype(self):
        # The initialisers and np.zeros give float64; a float32 layer converts its arrays once, here, so
        # that every product after it stays float32. A float64 layer (the default, and all of grading)
        # keeps the arrays exactly as the region made them.
        if self.dtype == np.float64:
            return
        for store in (self.parameters, self.gradients):
            for name, value in store.items():
                store[name] = np.asarray(value, dtype=self.dtype)

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
        return Y

    def backward(self, dLdY):
        """Backward pass: the gradients of the loss with respect to X, W and b.

        Parameters
        ----------
        dLdY : ndarray of shape (N, H), the gradient with respect to this layer's output

        Returns
        -------
        dX : ndarray of shape (N, D), or None when ``self.needs_input_grad`` is False (optional: computing
            dX anyway is also correct, only slower)

        Also stores ``self.gradients["W"]`` (D, H) and ``self.gradients["b"]`` (1, H), overwriting the
        previous ones.

        Notes
        -----
        With ``dZ = f'(Z) * dLdY`` (the activation's ``backward``): ``dX = dZ W^T``, ``dW = X^T dZ``,
        ``db = sum of dZ over the batch``. The loss already averages over the batch, so no 1/N here.
        """
        ### BEGIN YOUR CODE ###
        # The activation's backward gives dZ; every gradient has the shape of what it differentiates.
        # dX only when asked: nothing uses the first layer's dX in training (train_step clears
        # needs_input_grad), and dZ W^T costs as much as dW. Computing it always is also correct.
        raise NotImplementedError("fully_connected:FullyConnected.backward")
        ### END YOUR CODE ###
        return dX

    def __repr__(self):
        return (f"FullyConnected(n_in={self.n_in}, n_out={self.n_out}, "
                f"activation={type(self.activation).__name__})")
