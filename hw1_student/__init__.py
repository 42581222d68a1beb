"""hw1: a fully-connected neural network in NumPy, trained on Iris.

Shape vocabulary, used in every docstring of this package:

    N  samples in a batch
    D  features into a layer
    H  units out of a layer
    C  classes (the logits of the last layer)

Every array is float64. A gradient is named after what it differentiates
(``dLdY``, ``dX``, ``dW``) and has the shape of that thing.
"""
