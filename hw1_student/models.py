"""The network: a stack of layers, a loss and an optimiser."""

import numpy as np

from .fully_connected import FullyConnected
from .losses import initialize_loss
from .optimizers import initialize_optimizer
from .regularization import l2_gradient, l2_penalty


class NeuralNetwork:
    """A feed-forward network.

    Parameters
    ----------
    layers : list of FullyConnected, applied in order; the last one's output is the logits (N, C)
    loss : str, the name of the loss (see ``losses.LOSSES``)
    optimizer : Optimizer, which updates the layers' parameters after each ``backward``
    weight_decay : float, lambda >= 0 of the L2 penalty ``lambda sum_l ||W_l||_F^2`` (see
        ``regularization``); 0 (the default) leaves it out, and the regularisation regions are not called
    """

    def __init__(self, layers, loss="cross_entropy", optimizer=None, weight_decay=0.0):
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0; got {weight_decay}")
        self.layers = list(layers)
        self.loss = initialize_loss(loss)
        self.optimizer = optimizer if optimizer is not None else initialize_optimizer("sgd")
        self.weight_decay = weight_decay

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

    def penalty(self):
        """The L2 penalty of the layers' weights: 0.0 without weight decay."""
        if not self.weight_decay:
            return 0.0
        return l2_penalty([layer.parameters["W"] for layer in self.layers], self.weight_decay)

    def loss_and_gradients(self, X, Y):
        """The batch's loss (the mean loss plus the L2 penalty), with every layer's gradients stored.

        X : ndarray of shape (N, D); Y : ndarray of shape (N, C), one-hot (or targets for a regression)
        """
        loss = self.loss.forward(self.forward(X), Y) + self.penalty()
        self.backward(self.loss.backward())
        if self.weight_decay:
            weights = [layer.parameters["W"] for layer in self.layers]
            for layer, dW in zip(self.layers, l2_gradient(weights, self.weight_decay)):
                layer.gradients["W"] = layer.gradients["W"] + dW
        return loss

    def train_step(self, X, Y):
        """One step of gradient descent on a batch; returns the batch's loss (with the L2 penalty).

        X : ndarray of shape (N, D); Y : ndarray of shape (N, C), one-hot
        """
        loss = self.loss_and_gradients(X, Y)
        self.optimizer.step(self.layers)
        return loss

    def evaluate(self, X, Y):
        """(mean loss plus the L2 penalty, accuracy) over all N samples; accuracy counts samples, not
        batches."""
        logits = self.forward(X)
        loss = self.loss.forward(logits, Y) + self.penalty()
        accuracy = float(np.mean(np.argmax(logits, axis=1) == np.argmax(Y, axis=1)))
        return loss, accuracy

    def predict(self, X):
        """X : ndarray of shape (N, D) -> ndarray of shape (N,), the predicted class of each sample."""
        return np.argmax(self.forward(X), axis=1)

    def __repr__(self):
        return f"NeuralNetwork(layers={self.layers}, loss={self.loss}, optimizer={self.optimizer})"


def initialize_model(n_classes=3, hidden=16, activation="relu", weight_init="xavier_uniform",
                     optimizer="sgd", seed=0, weight_decay=0.0, **optimizer_args):
    """The homework's two-layer network: ``FullyConnected(hidden, activation)`` then
    ``FullyConnected(n_classes, "identity")`` giving the logits, with softmax cross-entropy.

    ``seed`` fixes the initial weights; ``weight_decay`` is the L2 penalty's lambda; ``optimizer_args``
    (``lr``, ``momentum``, ``clip_norm``, ...) go to the optimiser.
    """
    rng = np.random.default_rng(seed)
    layers = [
        FullyConnected(hidden, activation, weight_init, rng=rng),
        FullyConnected(n_classes, "identity", weight_init, rng=rng),
    ]
    return NeuralNetwork(layers, "cross_entropy", initialize_optimizer(optimizer, **optimizer_args),
                         weight_decay=weight_decay)


def initialize_regressor(n_out=1, hidden=(64, 64), activation="tanh", loss="l1", weight_init="xavier_uniform",
                         optimizer="sgd", seed=0, weight_decay=0.0, **optimizer_args):
    """A multilayer perceptron for a regression: ``FullyConnected(h, activation)`` for each ``h`` in
    ``hidden``, then ``FullyConnected(n_out, "identity")`` giving the prediction (N, n_out), with the
    loss ``"l1"`` (mean absolute error) or ``"mse"`` (mean squared error).

    ``seed``, ``weight_decay`` and ``optimizer_args`` as for ``initialize_model``.
    """
    rng = np.random.default_rng(seed)
    layers = [FullyConnected(h, activation, weight_init, rng=rng) for h in hidden]
    layers.append(FullyConnected(n_out, "identity", weight_init, rng=rng))
    return NeuralNetwork(layers, loss, initialize_optimizer(optimizer, **optimizer_args), weight_decay=weight_decay)
