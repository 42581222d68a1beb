"""Losses: a scalar from the network's output and the targets."""

import numpy as np

from .module import Module


class Loss(Module):
    """A loss: ``forward(logits, Y) -> float``, ``backward() -> dLdlogits``."""

    def __init__(self):
        self.cache = {}


class CrossEntropyLoss(Loss):
    """Softmax cross-entropy, averaged over the batch.

    ``L = -(1/N) sum_n sum_c Y[n, c] log softmax(logits)[n, c]``
    """

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
        ``log softmax(z) = z - logsumexp(z)``, and ``logsumexp(z) = m + log sum exp(z - m)`` with ``m =
        max(z)``: it stays finite for logits of +-1000, where ``log(softmax(z))`` gives ``log(0)``.
        Store in ``self.cache`` what ``backward`` needs.
        """
        ### BEGIN YOUR CODE ###
        # Compute log-softmax with the max shift; never take log of a probability that can round to 0.
        raise NotImplementedError("losses:CrossEntropyLoss.forward")
        ### END YOUR CODE ###
        return float(loss)

    def backward(self):
        """The gradient of the mean loss with respect to the logits of the last ``forward``.

        Returns
        -------
        dLdlogits : ndarray of shape (N, C)

        Notes
        -----
        ``dL/dlogits = (softmax(logits) - Y) / N``.
        """
        ### BEGIN YOUR CODE ###
        # The softmax and the log cancel into a simple difference; remember the mean over the batch.
        raise NotImplementedError("losses:CrossEntropyLoss.backward")
        ### END YOUR CODE ###
        return dLdlogits


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
        return float(loss)

    def backward(self):
        """The gradient of the mean squared error with respect to ``Y_hat`` of the last ``forward``.

        Returns
        -------
        dLdY_hat : ndarray of shape (N, K), ``2 (Y_hat - Y) / (N K)``
        """
        ### BEGIN YOUR CODE ###
        # The mean is over every entry, so divide by the number of entries, not only by N.
        raise NotImplementedError("losses:MSELoss.backward")
        ### END YOUR CODE ###
        return dLdY_hat


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
        # Keep the difference: its sign is the backward.
        raise NotImplementedError("losses:L1Loss.forward")
        ### END YOUR CODE ###
        return float(loss)

    def backward(self):
        """A subgradient of the mean absolute error with respect to ``Y_hat`` of the last ``forward``.

        Returns
        -------
        dLdY_hat : ndarray of shape (N, K), ``sign(Y_hat - Y) / (N K)``

        Notes
        -----
        ``|d|`` has no derivative at ``d = 0``; this homework takes the subgradient 0 there (an entry
        predicted exactly gets no push).
        """
        ### BEGIN YOUR CODE ###
        # np.sign is -1, 0 or +1: exactly the subgradient, 0 at 0; mean over every entry.
        raise NotImplementedError("losses:L1Loss.backward")
        ### END YOUR CODE ###
        return dLdY_hat


LOSSES = {"cross_entropy": CrossEntropyLoss, "mse": MSELoss, "l1": L1Loss}


def initialize_loss(name):
    """Return a new loss by name: one of ``LOSSES``."""
    try:
        return LOSSES[name]()
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; expected one of {sorted(LOSSES)}") from None
