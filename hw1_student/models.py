"""The network: a stack of layers, a loss and an optimiser."""

import numpy as np

from .fully_connected import FullyConnected
from .losses import initialize_loss
from .optimizers import initialize_optimizer


class NeuralNetwork:
    """A feed-forward network.

    Parameters
    ----------
    layers : list of FullyConnected, applied in order; the last one's output is the logits (N, C)
    loss : str, the name of the loss (see ``losses.LOSSES``)
    optimizer : Optimizer, which updates the layers' parameters after each ``backward``
    """

    def __init__(self, layers, loss="cross_entropy", optimizer=None):
        self.layers = list(layers)
        self.loss = initialize_loss(loss)
        self.optimizer = optimizer if optimizer is not None else initialize_optimizer("sgd")

    def forward(self, X):
        """Pass a batch through every layer.

        Parameters
        ----------
        X : ndarray of shape (N, D)

        Returns
        -------
        Y : ndarray of shape (N, C), the output of the last layer (the logits)
        """
        ### BEGIN YOUR CODE ###
        # The output of each layer is the input of the next.
        raise NotImplementedError("models:NeuralNetwork.forward")
        ### END YOUR CODE ###
        return Y

    def backward(self, dLdY):
        """Back-propagate the gradient of the loss through every layer, last to first.

        Parameters
        ----------
        dLdY : ndarray of shape (N, C), the gradient of the loss with respect to the network's output

        Returns
        -------
        dX : ndarray of shape (N, D), the gradient with respect to the network's input

        Each layer's ``backward`` stores its own parameter gradients.
        """
        ### BEGIN YOUR CODE ###
        # Visit the layers in reverse; each one turns the gradient of its output into that of its input.
        raise NotImplementedError("models:NeuralNetwork.backward")
        ### END YOUR CODE ###
        return dX

    def train_step(self, X, Y):
        """One step of gradient descent on a batch; returns the batch's mean loss.

        X : ndarray of shape (N, D); Y : ndarray of shape (N, C), one-hot
        """
        loss = self.loss.forward(self.forward(X), Y)
        self.backward(self.loss.backward())
        self.optimizer.step(self.layers)
        return loss

    def evaluate(self, X, Y):
        """(mean loss, accuracy) over all N samples; accuracy counts samples, not batches."""
        logits = self.forward(X)
        loss = self.loss.forward(logits, Y)
        accuracy = float(np.mean(np.argmax(logits, axis=1) == np.argmax(Y, axis=1)))
        return loss, accuracy

    def predict(self, X):
        """X : ndarray of shape (N, D) -> ndarray of shape (N,), the predicted class of each sample."""
        return np.argmax(self.forward(X), axis=1)

    def __repr__(self):
        return f"NeuralNetwork(layers={self.layers}, loss={self.loss}, optimizer={self.optimizer})"


def initialize_model(n_classes=3, hidden=16, activation="relu", weight_init="xavier_uniform",
                     optimizer="sgd", seed=0, **optimizer_args):
    """The homework's two-layer network: ``FullyConnected(hidden, activation)`` then
    ``FullyConnected(n_classes, "identity")`` giving the logits, with softmax cross-entropy.

    ``seed`` fixes the initial weights; ``optimizer_args`` (``lr``, ``momentum``, ``clip_norm``, ...) go to
    the optimiser.
    """
    rng = np.random.default_rng(seed)
    layers = [
        FullyConnected(hidden, activation, weight_init, rng=rng),
        FullyConnected(n_classes, "identity", weight_init, rng=rng),
    ]
    return NeuralNetwork(layers, "cross_entropy", initialize_optimizer(optimizer, **optimizer_args))
