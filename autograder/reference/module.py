"""The base class of every layer, activation and loss."""

from abc import ABC, abstractmethod


class Module(ABC):
    """Something with a forward pass and a backward pass.

    ``forward`` computes the output and stores in ``self.cache`` what ``backward`` needs; ``backward``
    takes the gradient of the loss with respect to the output and returns the gradient with respect to
    the input. Each forward overwrites the cache of the previous one.
    """

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    @abstractmethod
    def forward(self, *args, **kwargs):
        """Compute the output and cache what ``backward`` needs."""

    @abstractmethod
    def backward(self, *args, **kwargs):
        """Return the gradient with respect to the input of the last ``forward``."""

    def __repr__(self):
        return f"{type(self).__name__}()"
