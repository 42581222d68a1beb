"""L2 regularisation (weight decay): a penalty ``lambda * sum_l ||W_l||_F^2`` added to the loss.

The penalty pulls every weight towards 0, so the network prefers small weights. Only the weights ``W``
are penalised, not the biases ``b``. ``NeuralNetwork(..., weight_decay=lambda)`` adds the penalty to
the loss it reports and its gradient to each layer's ``gradients["W"]``. An optional part: it carries
no points by default.
"""

import numpy as np


def l2_penalty(weights, weight_decay):
    """The L2 penalty of a list of weight matrices.

    Parameters
    ----------
    weights : list of ndarray, the ``W`` of each layer, of shape (D_l, H_l)
    weight_decay : float, lambda >= 0

    Returns
    -------
    float, ``lambda * sum_l sum_ij W_l[i, j]**2``
    """
    ### BEGIN YOUR CODE ###
    # The squared Frobenius norm of each matrix, summed over the layers, times lambda.
    penalty = weight_decay * sum(np.sum(W * W) for W in weights)
    return float(penalty)
    ### END YOUR CODE ###


def l2_gradient(weights, weight_decay):
    """The gradient of ``l2_penalty`` with respect to each weight matrix.

    Parameters
    ----------
    weights : list of ndarray, the ``W`` of each layer, of shape (D_l, H_l)
    weight_decay : float, lambda >= 0

    Returns
    -------
    list of ndarray, ``dW_l`` of the shape of ``W_l``, in the order of ``weights``

    Notes
    -----
    Differentiate the penalty with respect to one matrix. Return new arrays: do not change the weights.
    """
    ### BEGIN YOUR CODE ###
    # One gradient per matrix, each of its matrix's shape.
    dWs = [2.0 * weight_decay * W for W in weights]
    return dWs
    ### END YOUR CODE ###
