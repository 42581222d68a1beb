"""A warm-up on computational graphs: a multiplication node and an addition node, and the textbook's
shopping example built from them (2 apples at 100 each, 3 oranges at 150 each, a tax of 1.1).

Each node has ``forward(x, y) -> out`` and ``backward(dout) -> (dx, dy)``: the chain rule, one node at a
time. ``x``, ``y`` and ``dout`` are floats, or ndarrays of one shape (element-wise, as in a layer).
An optional part: it carries no points by default.
"""

from .module import Module


class MulLayer(Module):
    """A product node: its output is ``x y``."""

    def __init__(self):
        self.cache = {}

    def forward(self, x, y):
        """x, y : float or ndarray of one shape -> out, their element-wise product, of that shape.

        Store in ``self.cache`` what ``backward`` needs.
        """
        ### BEGIN YOUR CODE ###
        # The backward of a product needs both inputs: keep them.
        self.cache["x"], self.cache["y"] = x, y
        out = x * y
        return out
        ### END YOUR CODE ###

    def backward(self, dout):
        """dout : float or ndarray, the gradient with respect to ``out`` -> (dx, dy), each of its shape.

        Notes
        -----
        The chain rule: the upstream gradient times the local derivative of ``x y`` with respect to each input.
        """
        ### BEGIN YOUR CODE ###
        # Read back what forward cached; each gradient has its input's shape.
        dx = dout * self.cache["y"]
        dy = dout * self.cache["x"]
        return dx, dy
        ### END YOUR CODE ###


class AddLayer(Module):
    """A sum node: its output is ``x + y``."""

    def __init__(self):
        self.cache = {}

    def forward(self, x, y):
        """x, y : float or ndarray of one shape -> out, their sum, of that shape."""
        ### BEGIN YOUR CODE ###
        # A sum needs nothing cached for its backward.
        out = x + y
        return out
        ### END YOUR CODE ###

    def backward(self, dout):
        """dout : float or ndarray, the gradient with respect to ``out`` -> (dx, dy), each of its shape.

        Notes
        -----
        The chain rule, as for the product; return new values, not ``dout`` itself.
        """
        ### BEGIN YOUR CODE ###
        # What are the local derivatives of a sum?
        dx = dout * 1
        dy = dout * 1
        return dx, dy
        ### END YOUR CODE ###


def buy_apples_and_oranges(apple=100.0, apple_num=2.0, orange=150.0, orange_num=3.0, tax=1.1):
    """The textbook's example: ``price = (apple * apple_num + orange * orange_num) * tax``.

    Returns (price, gradients), ``gradients`` a dict of d price / d input for "apple", "apple_num",
    "orange", "orange_num" and "tax". With the defaults: price 715, and 2.2, 110, 3.3, 165 and 650.
    """
    mul_apple, mul_orange, add_fruit, mul_tax = MulLayer(), MulLayer(), AddLayer(), MulLayer()
    apple_price = mul_apple.forward(apple, apple_num)
    orange_price = mul_orange.forward(orange, orange_num)
    fruit_price = add_fruit.forward(apple_price, orange_price)
    price = mul_tax.forward(fruit_price, tax)
    dfruit_price, dtax = mul_tax.backward(1.0)
    dapple_price, dorange_price = add_fruit.backward(dfruit_price)
    dorange, dorange_num = mul_orange.backward(dorange_price)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    return price, {"apple": dapple, "apple_num": dapple_num, "orange": dorange, "orange_num": dorange_num,
                   "tax": dtax}
