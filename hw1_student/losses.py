"""Losses: a scalar from the network's output and the targets."""

import numpy as np

from .activations import SoftMax
from .module import Module


class Loss(Module):
    """A loss: ``forward(logits, Y) -> float``, ``backward() -> dLdlogits``."""

    def __init__(self):
        self.cache = {}


class CrossEntropyLoss(Loss):
    """Softmax cross-entropy, averaged over the batch.

    ``L = -(1/N) sum_n sum_c Y[n, c] log softmax(logits)[n, c]``

    ``self.softmax`` is a ``SoftMax`` that ``forward`` may use.
    """

    def __init__(self):
        super().__init__()
        self.softmax = SoftMax()

    def forward(self, logits, Y):
        """The mean cross-entropy of the softmax of ``logits`` against one-hot ``Y``.

        Parameters
        ----------
        logits : ndarray of shape (N, C), the scores of the last layer (before any softmax)
        Y : ndarray of shape (N, C), one-hot targets

        Returns
        -------
        float, the loss averaged over the N samples

        Notes
        -----
        Store in ``self.cache`` what ``backward`` needs. Not graded, but worth knowing: at logits of +-1000
        a probability rounds to 0 and its log is -inf; ``log softmax(z)`` can be computed without ever
        taking the log of a probability.
        """
        ### BEGIN YOUR CODE ###
        # The log of the softmax, from the logits shifted by each row's maximum; then the mean over the batch.
        raise NotImplementedError("losses:CrossEntropyLoss.forward")
        ### END YOUR CODE ###

    def backward(self):
        """The gradient of the mean loss with respect to the logits of the last ``forward``.

        Returns
        -------
        dLdlogits : ndarray of shape (N, C)

        Notes
        -----
        Derive the gradient of the softmax and the log together: much cancels. The loss is a mean.
        """
        ### BEGIN YOUR CODE ###
        # Read back what forward cached; the result has the shape of the logits.
        raise NotImplementedError("losses:CrossEntropyLoss.backward")
        ### END YOUR CODE ###


class MSELoss(Loss):
    """Mean squared error, for a regression: ``L = (1/(N K)) sum_nk (Y_hat[n, k] - Y[n, k])^2``.

    The mean over ALL N K entries; the squared Frobenius norm ``||Y_hat - Y||_F^2`` is N K times it.
    An optional part: it carries no points by default.
    """

    def forward(self, Y_hat, Y):
        """The mean of the squared differences.

        Parameters
        ----------
        Y_hat : ndarray of shape (N, K), the network's output
        Y : ndarray of shape (N, K), the targets

        Returns
        -------
        float, the mean over all N K entries

        Store in ``self.cache`` what ``backward`` needs. Vectorise: no Python loop.
        """
        ### BEGIN YOUR CODE ###
        # Keep the difference: the backward is built from it.
        raise NotImplementedError("losses:MSELoss.forward")
        ### END YOUR CODE ###

    def backward(self):
        """The gradient of the mean squared error with respect to ``Y_hat`` of the last ``forward``.

        Returns
        -------
        dLdY_hat : ndarray of shape (N, K)
        """
        ### BEGIN YOUR CODE ###
        # The mean is over every entry, so divide by the number of entries, not only by N.
        raise NotImplementedError("losses:MSELoss.backward")
        ### END YOUR CODE ###


class L1Loss(Loss):
    """Mean absolute error (MAE), for a regression: ``L = (1/(N K)) sum_nk |Y_hat[n, k] - Y[n, k]|``.

    The mean over ALL N K entries. An optional part: it carries no points by default.
    """

    def forward(self, Y_hat, Y):
        """The mean of the absolute differences.

        Parameters
        ----------
        Y_hat : ndarray of shape (N, K), the network's output
        Y : ndarray of shape (N, K), the targets

        Returns
        -------
        float, the mean over all N K entries

        Store in ``self.cache`` what ``backward`` needs. Vectorise: no Python loop.
        """
        ### BEGIN YOUR CODE ###
        # Keep what the backward is built from.
        raise NotImplementedError("losses:L1Loss.forward")
        ### END YOUR CODE ###

    def backward(self):
        """A subgradient of the mean absolute error with respect to ``Y_hat`` of the last ``forward``.

        Returns
        -------
        dLdY_hat : ndarray of shape (N, K)

        Notes
        -----
        ``|d|`` has no derivative at ``d = 0``; this homework takes the subgradient 0 there (an entry
        predicted exactly gets no push).
        """
        ### BEGIN YOUR CODE ###
        # Derive the derivative of |d| on each side of 0; remember the mean over every entry.
        raise NotImplementedError("losses:L1Loss.backward")
        ### END YOUR CODE ###


LOSSES = {"cross_entropy": CrossEntropyLoss, "mse": MSELoss, "l1": L1Loss}


def initialize_loss(name):
    """Return a new loss by name: one of ``LOSSES``."""
    try:
        return LOSSES[name]()
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; expected one of {sorted(LOSSES)}") from None
