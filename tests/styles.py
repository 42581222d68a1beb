"""Correct solutions written the way real students write this homework, and the bugs real students make.

Every text below is written for this project; no line is copied from the repositories it describes. Each
style imitates how one group of public solutions of the same assignment (the Berkeley CS189/289A HW6
``neural_networks`` package, spring 2020 skeleton by Sophia Sanborn, and its Beihang University (BUAA)
2024 "hw1" derivative, which this kit follows) writes the eleven graded regions: names, cache keys, early
returns, bias shape, how gradients start, how the softmax Jacobian is built, where the log gets its eps.

Public solutions read (the files ``neural_networks/activations.py``, ``layers.py``, ``losses.py`` and
``models.py`` of each repository, unless said otherwise):

- ``AmandaYao00/cs189_hw6``: ReLU ``np.where(Z > 0, Z, 0)`` / ``np.where(Z < 0, 0, dY)`` (gradient 1 at
  the kink); softmax rows in a list with Python ``max``/``sum``; a Jacobian built entry by entry with
  ``i == j`` loops. Bugs: ``np.dot(dY, jacobians)`` (an (N, N, C) result), an integer bias
  ``np.array([0] * n_out)``, a bias gradient that is the bias itself, an FC backward made of ``np.where``.
- ``sarah-nam/cs189-hw6``: ReLU as ``np.multiply`` with ``(Z >= 0).astype(np.int)`` (``np.int`` is gone in
  NumPy >= 1.24); softmax rows ``np.vstack``-ed; Jacobian ``outer(y, 1) * (I - outer(1, y))`` with
  ``dY[i] @ J``; gradients initialised to the scalar ``0`` (and an extra ``"X"`` key); ``dW`` as
  ``(dZ.T X).T``; a bias gradient of shape (H,) for a bias of shape (1, H).
- ``R151Arushi/CS189_HW6``: ``np.maximum(Z, 0)``; a mask ``dZ[Z > 0] = 1``; SoftMax backward calls
  ``self.forward`` again and builds ``diagflat(y) - y y^T`` per row; ``self.cache = {"X": X, "Z": Z}``
  reassigned in forward; ``db = dZ^T 1`` reshaped to ``(n_out,)``; CE with ``np.log(Y_hat +
  np.finfo(float).eps)`` and a backward ``-Y / (Y_hat N)`` chained through the softmax.
- ``Creater2036/CS189``: ``np.where(Z < 0, 0, dY)``; a per-row ``diagflat`` Jacobian; ``db = 1^T dZ``
  (a row of ones times dZ); CE ``-1/len(Y) * sum(Y log Y_hat)`` without eps. Bug: bias initialised to
  ``np.ones``.
- ``elittman27/Neural-Networks``: ``np.where(Z >= 0, 1, 0)`` (gradient 1 at the kink); softmax row by row
  into ``np.zeros_like(Z)``; backward recomputes each row's softmax and sums ``outer(-s, s) + diag(s)``;
  ``db = 1^T dZ`` reshaped to ``(1, -1)``; CE without eps.
- ``KeremDilmen/Neural-Networks``: ``np.where(Z >= 0, 1, 0)`` on a copy; ``diagflat - outer`` per row;
  CE with ``np.log(Y_hat + 1e-10)``.
- ``ZacharyZhang6/Neural-Networks``: ``np.greater(Z, 0).astype(int) * dY``; max via ``reshape(-1, 1)``;
  ``res[i, :] = np.dot(dY[i], diagflat(y) - y y^T)``; CE without eps.
- ``annljwang/186-hw6`` and ``Kai-MC/189``: ``dY * np.where(Z > 0, 1, 0)`` / ``(Z >= 0).astype(int)``;
  a Jacobian ``-y y^T`` whose diagonal is set with ``np.fill_diagonal`` from a list comprehension, written
  back through ``dZ[i, :][:, None] = J @ dy``; CE as ``sum(diag(Y @ log(Y_hat + 1e-10).T))`` and a backward
  ``-Y / (Y_hat + 1e-11) / N``.
- BUAA 2024 hw1 (the handout's own text, and two public solution files of it that the code index holds
  without naming their repository: a ``submission.md``-like export, index file id 29725873147, and a
  ``losses.py``, id 29587975047; the activations in id 29556337308): ReLU ``np.where(Z > 0, dY, 0)``;
  SoftMax stores its OUTPUT under the cache key ``"Z"`` and back-propagates with ``Y * (dY - sum(Y dY))``;
  ``OrderedDict`` caches ``{"Z": None, "X": None}``; ``np.dot``/``.dot``; ``db = np.sum(dZ, axis=0)`` of
  shape (H,) for a bias of shape (1, H); CE through ``self.softmax`` with ``np.mean(-np.log(Y_hat[Y ==
  1]))`` and a backward that builds ``dL/dY_hat`` at ``Y == 1`` and calls ``self.softmax.backward``; the
  model as ``for layer in self.layers: X = layer.forward(X)`` and ``for layer in reversed(...)``. Bug:
  ``self.gradients = {"W": dW, "b": b}`` (the bias itself as its gradient; harmless while it is zero).

The eps values found in the log of the cross-entropy: ``1e-10`` (KeremDilmen, annljwang, Kai-MC),
``1e-11`` (annljwang's backward), ``np.finfo(float).eps`` = 2.2e-16 (R151Arushi); none at all in
elittman27, Creater2036, ZacharyZhang6, sarah-nam, AmandaYao00 and the BUAA files. Other NumPy networks
in the index use ``1e-7``, ``1e-8``, ``1e-9``, ``1e-12`` and ``1e-15``; the styles below use ``1e-10``,
``1e-11``, ``np.finfo(float).eps``, ``1e-12`` and ``1e-7``.

``STYLES``: ``[(name, {region id: region text})]``, each holding all eleven graded regions.
``BUGS``: ``[(name, style name, {region id: region text}, section that must lose points)]``: the style's
regions with these replaced.
"""

import textwrap

RELU_F, RELU_B = "activations:ReLU.forward", "activations:ReLU.backward"
SOFTMAX_F, SOFTMAX_B = "activations:SoftMax.forward", "activations:SoftMax.backward"
FC_INIT = "fully_connected:FullyConnected._init_parameters"
FC_F, FC_B = "fully_connected:FullyConnected.forward", "fully_connected:FullyConnected.backward"
CE_F, CE_B = "losses:CrossEntropyLoss.forward", "losses:CrossEntropyLoss.backward"
MODEL_F, MODEL_B = "models:NeuralNetwork.forward", "models:NeuralNetwork.backward"

GRADED_REGIONS = (RELU_F, RELU_B, SOFTMAX_F, SOFTMAX_B, FC_INIT, FC_F, FC_B, CE_F, CE_B, MODEL_F, MODEL_B)


def _code(text):
    """A method body: ``text`` dedented, then indented by 8 spaces, whole lines ending in a newline."""
    return textwrap.indent(textwrap.dedent(text).strip("\n") + "\n", " " * 8)


def _style(**regions):
    keys = {"relu_f": RELU_F, "relu_b": RELU_B, "softmax_f": SOFTMAX_F, "softmax_b": SOFTMAX_B,
            "fc_init": FC_INIT, "fc_f": FC_F, "fc_b": FC_B, "ce_f": CE_F, "ce_b": CE_B,
            "model_f": MODEL_F, "model_b": MODEL_B}
    return {keys[k]: _code(v) for k, v in regions.items()}


# --- BUAA 2024 hw1: SoftMax caches its output under "Z", CE through self.softmax and Y_hat[Y == 1] ------

BUAA = _style(
    relu_f="""
        return np.maximum(0, Z)
    """,
    relu_b="""
        dZ = np.where(Z > 0, dY, 0)
        return dZ
    """,
    softmax_f="""
        exp_Z = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
        softmax = exp_Z / np.sum(exp_Z, axis=-1, keepdims=True)
        # keep the output: the backward only needs softmax(Z)
        self.cache["Z"] = softmax
        return softmax
    """,
    softmax_b="""
        softmax = self.cache["Z"]
        return softmax * (dY - np.sum(softmax * dY, axis=-1, keepdims=True))
    """,
    fc_init="""
        W = self.init_weights((self.n_in, self.n_out))  # weights from the initialiser
        b = np.zeros((1, self.n_out))  # bias

        dW = np.zeros_like(W)
        db = np.zeros_like(b)

        self.parameters = OrderedDict({"W": W, "b": b})
        self.cache: OrderedDict = OrderedDict({"Z": None, "X": None})  # what backward needs
        # gradients start at zero
        self.gradients: OrderedDict = OrderedDict({"W": dW, "b": db})
    """,
    fc_f="""
        z = np.dot(X, self.parameters["W"]) + self.parameters["b"]
        out = self.activation(z)
        # keep what backward needs
        self.cache["Z"] = z
        self.cache["X"] = X
        return out
    """,
    fc_b="""
        z, X = self.cache["Z"], self.cache["X"]
        dLdZ = self.activation.backward(dLdY)
        dX = dLdZ.dot(self.parameters["W"].T)
        self.gradients["W"] = X.T.dot(dLdZ)
        self.gradients["b"] = np.sum(dLdZ, axis=0)
        return dX
    """,
    ce_f="""
        Y_hat = self.softmax(logits)
        self.cache["Y"] = Y
        self.cache["Y_hat"] = Y_hat
        return np.mean(-np.log(Y_hat[Y == 1]))
    """,
    ce_b="""
        Y, Y_hat = self.cache["Y"], self.cache["Y_hat"]
        dY = np.zeros_like(Y)
        dY[Y == 1] = -1 / Y_hat[Y == 1] / Y.shape[0]
        dlogits = self.softmax.backward(dY)
        return dlogits
    """,
    model_f="""
        # one loop, two lines
        for layer in self.layers:
            X = layer.forward(X)
        return X
    """,
    model_b="""
        for layer in reversed(self.layers):
            dLdY = layer.backward(dLdY)
        return dLdY
    """,
)

# --- elittman27: softmax row by row, the backward recomputes each row's softmax from the cached Z --------

ROW_LOOP = _style(
    relu_f="""
        return np.maximum(Z, 0)
    """,
    relu_b="""
        indicator = np.where(Z >= 0, 1, 0)
        return dY * indicator
    """,
    softmax_f="""
        # f(z_i) = e^(z_i - m) / sum_j e^(z_j - m), one sample at a time
        Z_out = np.zeros_like(Z)
        for i, row in enumerate(Z):
            m = np.max(row)
            exponentiated = np.exp(row - m)
            Z_out[i] = exponentiated / np.sum(exponentiated)
        return Z_out
    """,
    softmax_b="""
        Z = self.cache["Z"]
        dLdZ = np.zeros_like(dY)
        for i in range(len(Z)):
            exp = np.exp(Z[i] - np.max(Z[i]))
            sigma_i = exp / np.sum(exp)
            # J = diag(sigma) - sigma sigma^T
            J = np.outer(-sigma_i, sigma_i) + np.diag(sigma_i)
            dLdZ[i] = dY[i] @ J
        return dLdZ
    """,
    fc_init="""
        W_shape = (self.n_in,) + (self.n_out,)
        W = self.init_weights(W_shape)
        b = np.zeros((1, self.n_out))
        self.parameters = OrderedDict({"W": W, "b": b})
        self.cache = OrderedDict({"Z": [], "X": []})
        # holds dL/dW and dL/db
        self.gradients = OrderedDict({"W": np.zeros_like(W), "b": np.zeros_like(b)})
    """,
    fc_f="""
        W, b = self.parameters["W"], self.parameters["b"]
        Z = X @ W + b
        out = self.activation(Z)
        self.cache["Z"] = Z
        self.cache["X"] = X
        return out
    """,
    fc_b="""
        Z, X = self.cache["Z"], self.cache["X"]
        W, b = self.parameters["W"], self.parameters["b"]
        one_T = np.ones(X.shape[0])
        dLdZ = self.activation.backward(dLdY)
        dLdW = X.T @ dLdZ
        dLdB = one_T @ dLdZ
        dLdB = dLdB.reshape(1, -1)
        dLdX = dLdZ @ W.T
        self.gradients["W"] = dLdW
        self.gradients["b"] = dLdB
        return dLdX
    """,
    ce_f="""
        Y_hat = self.softmax.forward(logits)
        self.cache["Y"], self.cache["Y_hat"] = Y, Y_hat
        m = len(Y)
        # L = -1/m sum_i y_i ln(y_hat_i)
        return -np.sum(Y * np.log(Y_hat)) / m
    """,
    ce_b="""
        Y, Y_hat = self.cache["Y"], self.cache["Y_hat"]
        m = len(Y)
        return (Y_hat - Y) / m
    """,
    model_f="""
        prev_layer = X
        # iterate through the network's layers
        for layer in self.layers:
            prev_layer = layer.forward(prev_layer)
        return prev_layer
    """,
    model_b="""
        for layer in self.layers[::-1]:
            dLdY = layer.backward(dLdY)
        return dLdY
    """,
)

# --- annljwang / Kai-MC: fill_diagonal Jacobian, CE as sum(diag(Y log(P + 1e-10)^T)), eps 1e-11 back ----

FILL_DIAGONAL = _style(
    relu_f="""
        out = np.maximum(0, Z)
        return out
    """,
    relu_b="""
        return dY * np.where(Z > 0, 1, 0)
    """,
    softmax_f="""
        m = np.max(Z, axis=1).reshape(-1, 1)
        sm = Z - m
        exp_sm = np.exp(sm)
        s = exp_sm / np.sum(exp_sm, axis=1).reshape(-1, 1)
        self.cache["sm"] = s
        return s
    """,
    softmax_b="""
        softmaxZ = self.cache["sm"]
        dLdZ = np.zeros(softmaxZ.shape)
        for i in range(0, softmaxZ.shape[0]):
            curr_sample = softmaxZ[i, :][:, None]  # k, 1
            curr_dY = dY[i, :][:, None]  # k, 1
            j = np.matmul(-curr_sample, curr_sample.T)
            np.fill_diagonal(j, np.array([s * (1 - s) for s in curr_sample]))
            dLdZ[i, :][:, None] = np.matmul(j, curr_dY)
        return dLdZ
    """,
    fc_init="""
        W_dim = (self.n_in, self.n_out)
        b_dim = (1, self.n_out)

        W = self.init_weights(W_dim)
        b = np.zeros(b_dim)

        self.parameters = OrderedDict({"W": W, "b": b})
        self.cache = OrderedDict({"Z": [], "X": []})
        self.gradients = OrderedDict({"W": np.zeros(W_dim), "b": np.zeros(b_dim)})
    """,
    fc_f="""
        W = self.parameters["W"]
        b = self.parameters["b"]
        Z = np.add(X @ W, b)
        Y = self.activation.forward(Z)
        self.cache["Z"] = Z
        self.cache["X"] = X
        return Y
    """,
    fc_b="""
        X = self.cache["X"]
        W = self.parameters["W"]
        dLdZ = self.activation.backward(dLdY)
        self.gradients["W"] = X.T @ dLdZ
        self.gradients["b"] = np.sum(dLdZ, axis=0, keepdims=True)
        return dLdZ @ W.T
    """,
    ce_f="""
        Y_hat = self.softmax.forward(logits)
        self.cache["Y"] = Y
        self.cache["Y_hat"] = Y_hat
        m = Y.shape[0]
        loss = np.sum(np.diag(np.matmul(Y, np.log(Y_hat + 1e-10).T)))
        return (-1 / m) * loss
    """,
    ce_b="""
        Y, Y_hat = self.cache["Y"], self.cache["Y_hat"]
        m = Y.shape[0]
        dLdY_hat = (-1 / m) * Y / (Y_hat + 1e-11)
        return self.softmax.backward(dLdY_hat)
    """,
    model_f="""
        out = X
        for i in range(len(self.layers)):
            out = self.layers[i].forward(out)
        return out
    """,
    model_b="""
        grad = dLdY
        for i in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[i].backward(grad)
        return grad
    """,
)

# --- R151Arushi: bias (n_out,), SoftMax.backward calls self.forward again, eps = np.finfo(float).eps --------

FINFO_EPS = _style(
    relu_f="""
        return np.maximum(Z, 0)
    """,
    relu_b="""
        dZ = np.zeros_like(Z)
        dZ[Z > 0] = 1
        dZ = np.multiply(dY, dZ)

        return dZ
    """,
    softmax_f="""
        e_Z = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
        return (e_Z / np.sum(e_Z, axis=-1, keepdims=True))
    """,
    softmax_b="""
        p = self.forward(self.cache["Z"])
        backward = []
        for i, example in enumerate(p):
            diag = np.diagflat(example)
            example = example.reshape((-1, 1))
            J = diag - np.dot(example, example.T)
            backward.append(dY[i] @ J)

        return np.array(backward)
    """,
    fc_init="""
        W = self.init_weights((self.n_in, self.n_out))
        b = np.zeros(self.n_out)

        self.parameters = OrderedDict({"W": W, "b": b})
        self.cache = {}
        self.gradients = OrderedDict({"W": np.zeros(W.shape), "b": np.zeros(b.shape)})
    """,
    fc_f="""
        # multiply the weights
        val = np.matmul(X, self.parameters["W"])
        # add the bias term
        val = val + self.parameters["b"]
        out = self.activation(val)
        self.cache = {"X": X, "Z": val}
        return out
    """,
    fc_b="""
        X, Z = self.cache["X"], self.cache["Z"]
        dLdZ = self.activation.backward(dLdY)
        self.gradients["W"] = np.matmul(X.T, dLdZ)
        self.gradients["b"] = np.matmul(dLdZ.T, np.ones((X.shape[0], 1))).reshape(self.n_out,)
        dX = np.matmul(dLdZ, self.parameters["W"].T)
        return dX
    """,
    ce_f="""
        Y_hat = self.softmax(logits)
        self.cache["Y"] = Y
        self.cache["Y_hat"] = Y_hat
        vals = np.log(Y_hat + np.finfo(float).eps)
        return - np.sum(Y * vals) / Y.shape[0]
    """,
    ce_b="""
        Y, Y_hat = self.cache["Y"], self.cache["Y_hat"]
        return self.softmax.backward(- Y / (Y_hat * Y.shape[0]))
    """,
    model_f="""
        out = X
        for layer in self.layers:
            out = layer(out)
        return out
    """,
    model_b="""
        for layer in self.layers[::-1]:
            dLdY = layer.backward(dLdY)
        return dLdY
    """,
)

# --- Creater2036 / ZacharyZhang6: np.where(Z < 0, 0, dY), db = 1^T dZ, CE -1/len(Y) sum(Y log P) ---------

ONES_ROW = _style(
    relu_f="""
        return np.maximum(0, Z)
    """,
    relu_b="""
        return np.where(Z < 0, 0, dY)
    """,
    softmax_f="""
        maxes = np.max(Z, axis=1, keepdims=True)
        forward_once = np.exp(Z - maxes) / np.sum(np.exp(Z - maxes), axis=1, keepdims=True)
        self.cache["forward_once"] = forward_once
        return forward_once
    """,
    softmax_b="""
        forward_once = self.cache["forward_once"]
        res = np.zeros(forward_once.shape)
        for i in range(forward_once.shape[0]):
            new_shape = forward_once[i].reshape(-1, 1)
            temp = np.diagflat(new_shape) - np.dot(new_shape, new_shape.T)
            res[i, :] = np.dot(dY[i], temp)
        return res
    """,
    fc_init="""
        W = self.init_weights((self.n_in, self.n_out))
        b = np.zeros((1, self.n_out))

        self.parameters = OrderedDict({"W": W, "b": b})  # DO NOT CHANGE THE KEYS
        self.cache = OrderedDict({"Z": None, "X": None})
        self.gradients = OrderedDict({"W": np.zeros_like(W), "b": np.zeros_like(b)})
    """,
    fc_f="""
        # perform an affine transformation and activation
        Z = X@self.parameters["W"] + self.parameters["b"]
        out = self.activation(Z)

        self.cache["Z"] = Z
        self.cache["X"] = X
        return out
    """,
    fc_b="""
        X = self.cache["X"]
        Z = self.cache["Z"]
        dZ = self.activation.backward(dLdY)
        dX = dZ@self.parameters["W"].T
        db = np.ones((1, dZ.shape[0]))@dZ
        dW = X.T@dZ
        self.gradients["W"] = dW
        self.gradients["b"] = db
        return dX
    """,
    ce_f="""
        P = self.softmax(logits)
        self.cache["P"] = P
        self.cache["Y"] = Y
        return -1/len(Y)*np.sum(Y*np.log(P))
    """,
    ce_b="""
        return (self.cache["P"] - self.cache["Y"]) / len(self.cache["Y"])
    """,
    model_f="""
        prev_layer = X
        for layer in self.layers:
            prev_layer = layer.forward(prev_layer)
        return prev_layer
    """,
    model_b="""
        dldy = dLdY
        for layer in self.layers[::-1]:
            dldy = layer.backward(dldy)
        return dldy
    """,
)

# --- apply_along_axis / np.vectorize in SoftMax, einsum in FullyConnected, bias (n_out,), eps 1e-12 ------

VECTORIZE = _style(
    relu_f="""
        Y = np.where(Z > 0, Z, 0)
        return Y
    """,
    relu_b="""
        dLdZ = np.where(Z > 0, dY, 0.0)
        return dLdZ
    """,
    softmax_f="""
        def row_softmax(z):
            e = np.exp(z - z.max())
            return e / e.sum()

        probs = np.apply_along_axis(row_softmax, 1, Z)
        self.cache["probs"] = probs
        return probs
    """,
    softmax_b="""
        probs = self.cache["probs"]
        jvp = np.vectorize(lambda y, g: (np.diag(y) - np.outer(y, y)) @ g, signature="(c),(c)->(c)")
        return jvp(probs, dY)
    """,
    fc_init="""
        self.parameters = OrderedDict()
        self.parameters["W"] = self.init_weights((self.n_in, self.n_out))
        self.parameters["b"] = np.zeros(self.n_out)
        self.cache = OrderedDict()
        self.gradients = OrderedDict()
        self.gradients["W"] = np.zeros((self.n_in, self.n_out))
        self.gradients["b"] = np.zeros(self.n_out)
    """,
    fc_f="""
        Z = np.einsum("nd,dh->nh", X, self.parameters["W"]) + self.parameters["b"]
        self.cache["X"], self.cache["Z"] = X, Z
        return self.activation.forward(Z)
    """,
    fc_b="""
        X = self.cache["X"]
        dZ = self.activation.backward(dLdY)
        self.gradients["W"] = np.einsum("nd,nh->dh", X, dZ)
        self.gradients["b"] = np.einsum("nh->h", dZ)
        return np.einsum("nh,dh->nd", dZ, self.parameters["W"])
    """,
    ce_f="""
        probs = self.softmax.forward(logits)
        self.cache["probs"], self.cache["onehot"] = probs, Y
        return np.mean(-np.sum(Y * np.log(probs + 1e-12), axis=1))
    """,
    ce_b="""
        probs, Y = self.cache["probs"], self.cache["onehot"]
        return (probs - Y) / probs.shape[0]
    """,
    model_f="""
        for layer in self.layers:
            X = layer(X)
        return X
    """,
    model_b="""
        i = len(self.layers)
        while i > 0:
            i -= 1
            dLdY = self.layers[i].backward(dLdY)
        return dLdY
    """,
)

# --- an einsum-built Jacobian, gradients from a dict comprehension, CE by label index with eps 1e-7 ------

EINSUM = _style(
    relu_f="""
        return Z * (Z > 0)
    """,
    relu_b="""
        gradient = np.greater(Z, 0).astype(int)
        return gradient * dY
    """,
    softmax_f="""
        shifted = Z - Z.max(axis=1, keepdims=True)
        E = np.exp(shifted)
        S = E / E.sum(axis=1, keepdims=True)
        self.cache["S"] = S
        return S
    """,
    softmax_b="""
        S = self.cache["S"]
        # J[n] = diag(S[n]) - S[n] S[n]^T, for every row at once
        J = np.einsum("ij,jk->ijk", S, np.eye(S.shape[1])) - np.einsum("ij,ik->ijk", S, S)
        return np.einsum("ijk,ik->ij", J, dY)
    """,
    fc_init="""
        self.parameters = OrderedDict(W=self.init_weights((self.n_in, self.n_out)), b=np.zeros((1, self.n_out)))
        self.cache = OrderedDict()
        self.gradients = OrderedDict({name: np.zeros_like(p) for name, p in self.parameters.items()})
    """,
    fc_f="""
        self.cache["X"] = X
        self.cache["Z"] = np.dot(X, self.parameters["W"]) + self.parameters["b"]
        return self.activation(self.cache["Z"])
    """,
    fc_b="""
        dZ = self.activation.backward(dLdY)
        self.gradients["W"] = np.dot(self.cache["X"].T, dZ)
        self.gradients["b"] = dZ.sum(axis=0).reshape(1, -1)
        return np.dot(dZ, self.parameters["W"].T)
    """,
    ce_f="""
        N = logits.shape[0]
        labels = np.argmax(Y, axis=1)
        probs = self.softmax(logits)
        self.cache["probs"], self.cache["labels"] = probs, labels
        return -np.mean(np.log(probs[np.arange(N), labels] + 1e-7))
    """,
    ce_b="""
        probs, labels = self.cache["probs"], self.cache["labels"]
        N = probs.shape[0]
        grad = probs.copy()
        grad[np.arange(N), labels] -= 1
        return grad / N
    """,
    model_f="""
        if not self.layers:
            return X
        out = self.layers[0].forward(X)
        for layer in self.layers[1:]:
            out = layer.forward(out)
        return out
    """,
    model_b="""
        for layer in self.layers[::-1]:
            dLdY = layer.backward(dLdY)
        return dLdY
    """,
)

# --- early returns everywhere, own cache keys, plain dicts, scalar-zero gradients, a stable log-softmax ---

EARLY_RETURNS = _style(
    relu_f="""
        return Z.clip(min=0)
    """,
    relu_b="""
        return dY * np.heaviside(Z, 0.0)
    """,
    softmax_f="""
        e = np.exp(Z - Z.max(axis=-1, keepdims=True))
        self.cache["out"] = e / e.sum(axis=-1, keepdims=True)
        return self.cache["out"]
    """,
    softmax_b="""
        out = self.cache["out"]
        return out * dY - out * (out * dY).sum(axis=-1, keepdims=True)
    """,
    fc_init="""
        self.parameters = {"W": self.init_weights((self.n_in, self.n_out)), "b": np.zeros((1, self.n_out))}
        self.cache = {}
        self.gradients = {"W": 0, "b": 0}
    """,
    fc_f="""
        self.cache["inp"] = X
        self.cache["pre"] = X @ self.parameters["W"] + self.parameters["b"]
        return self.activation.forward(self.cache["pre"])
    """,
    fc_b="""
        delta = self.activation.backward(dLdY)
        self.gradients = {"W": self.cache["inp"].T @ delta, "b": delta.sum(axis=0, keepdims=True)}
        return delta @ self.parameters["W"].T
    """,
    ce_f="""
        m = logits.max(axis=1, keepdims=True)
        log_p = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
        self.cache["onehot"], self.cache["p"] = Y, np.exp(log_p)
        return -(Y * log_p).sum() / len(Y)
    """,
    ce_b="""
        return (self.cache["p"] - self.cache["onehot"]) / len(self.cache["onehot"])
    """,
    model_f="""
        for i, layer in enumerate(self.layers):
            X = layer.forward(X)
        return X
    """,
    model_b="""
        for layer in self.layers[len(self.layers) - 1::-1]:
            dLdY = layer.backward(dLdY)
        return dLdY
    """,
)

# --- sarah-nam / AmandaYao00: np.multiply with int masks, rows vstack-ed, outer(y, 1) * (I - outer(1, y)) --

MULTIPLY_VSTACK = _style(
    relu_f="""
        greater_than_0 = Z >= 0
        greater_than_0 = greater_than_0.astype(int)

        return np.multiply(greater_than_0, Z)
    """,
    relu_b="""
        assert Z.shape == dY.shape
        Z_mask = Z > 0
        Z_mask = Z_mask.astype(int)

        return np.multiply(Z_mask, dY)
    """,
    softmax_f="""
        activated = []
        for i in Z:
            maximum = max(i)
            tot = np.sum([np.exp(i - maximum)])
            nums = np.exp(i - maximum) / tot
            activated.append(np.array(nums))
        return np.vstack(activated)
    """,
    softmax_b="""
        Z = self.cache["Z"]
        loss_mat = []

        one_col = np.ones((Z.shape[1], 1))
        one_row = one_col.T
        identity = np.identity(Z.shape[1])
        sig = self.forward(Z)

        for i in np.arange(sig.shape[0]):
            row = sig[i]
            part1 = np.outer(row, one_row)
            part2 = identity - np.outer(one_col, row)
            jacob = np.multiply(part1, part2)
            grad = dY[i]
            loss_mat.append(grad @ jacob)

        return np.vstack(loss_mat)
    """,
    fc_init="""
        W = self.init_weights((self.n_in, self.n_out))  # initialize weights using self.init_weights
        b = np.zeros((1, self.n_out))  # initialize biases to zeros

        self.parameters = OrderedDict({"W": W, "b": b})
        self.cache: OrderedDict = OrderedDict({"X": 0, "Z": 0})  # what do you need cache for backprop?
        self.gradients: OrderedDict = OrderedDict({"b": 0, "W": 0})  # initialize parameter gradients to zeros
    """,
    fc_f="""
        W = self.parameters["W"]
        b = self.parameters["b"]
        Z = X.dot(W) + b
        Y = self.activation.forward(Z)

        self.cache["X"] = X
        self.cache["Z"] = Z
        return Y
    """,
    fc_b="""
        X = self.cache["X"]
        W = self.parameters["W"]

        dLdZ = self.activation.backward(dLdY)
        dLdW = dLdZ.T.dot(X)
        dLdb = np.sum(dLdZ, axis=0, keepdims=True)
        dX = dLdZ.dot(W.T)

        self.gradients["W"] = dLdW.T
        self.gradients["b"] = dLdb
        return dX
    """,
    ce_f="""
        Y_hat = self.softmax.forward(logits)
        self.cache["Y"], self.cache["Y_hat"] = Y, Y_hat
        m = Y.shape[0]

        return -np.sum(np.multiply(Y, np.log(Y_hat)))/m
    """,
    ce_b="""
        m = self.cache["Y"].shape[0]
        return np.subtract(self.cache["Y_hat"], self.cache["Y"]) / m
    """,
    model_f="""
        Y_hat = X
        for layer in self.layers:
            Y_hat = layer.forward(Y_hat)
        return Y_hat
    """,
    model_b="""
        for layer in list(reversed(self.layers)):
            dLdY = layer.backward(dLdY)
        return dLdY
    """,
)

STYLES = [
    ("buaa 2024: softmax output cached as 'Z', CE -log(Y_hat[Y == 1]) through self.softmax", BUAA),
    ("elittman27: softmax row loop, backward recomputes each row, ReLU' = 1 at 0, CE without eps", ROW_LOOP),
    ("annljwang/Kai-MC: fill_diagonal Jacobian, CE diag(Y log(P + 1e-10)^T), 1e-11 backward", FILL_DIAGONAL),
    ("R151Arushi: bias (n_out,), backward calls self.forward, eps np.finfo(float).eps", FINFO_EPS),
    ("Creater2036/ZacharyZhang6: np.where(Z < 0, 0, dY), db = ones @ dZ, CE without eps", ONES_ROW),
    ("apply_along_axis softmax, np.vectorize Jacobian, einsum FC, bias (n_out,), eps 1e-12", VECTORIZE),
    ("einsum Jacobian, dict-comprehension gradients, CE by label index with eps 1e-7", EINSUM),
    ("early returns, own cache keys, plain dicts, scalar 0 gradients, stable log-softmax", EARLY_RETURNS),
    ("sarah-nam/AmandaYao00: int masks, vstack rows, outer(y,1)*(I-outer(1,y)), b-first zero grads",
     MULTIPLY_VSTACK),
]

STYLE_TEXTS = dict(STYLES)

BUGS = [
    # SoftMax
    ("AmandaYao00: Jacobians applied with np.dot(dY, J) -> (N, N, C)", "elittman27", {SOFTMAX_B: _code("""
        S = self.forward(self.cache["Z"])
        out = []
        for s in S:
            arr = []
            for i in range(len(s)):
                temp_arr = []
                for j in range(len(s)):
                    if i == j:
                        temp_arr.append(s[i] * (1 - s[j]))
                    else:
                        temp_arr.append(-1 * s[i] * s[j])
                arr.append(np.array(temp_arr))
            out.append(arr)
        return np.dot(dY, np.array(out))
    """)}, "SoftMax"),
    ("softmax without the max shift", "annljwang", {SOFTMAX_F: _code("""
        exp_sm = np.exp(Z)
        s = exp_sm / np.sum(exp_sm, axis=1).reshape(-1, 1)
        self.cache["sm"] = s
        return s
    """)}, "SoftMax"),
    ("softmax normalised over the batch axis", "einsum", {SOFTMAX_F: _code("""
        E = np.exp(Z - Z.max(axis=0, keepdims=True))
        S = E / E.sum(axis=0, keepdims=True)
        self.cache["S"] = S
        return S
    """)}, "SoftMax"),
    ("softmax backward with the Jacobian's diagonal only: dY * S * (1 - S)", "early returns", {SOFTMAX_B: _code("""
        out = self.cache["out"]
        return dY * out * (1 - out)
    """)}, "SoftMax"),
    # ReLU
    ("sarah-nam: astype(np.int), removed in NumPy 1.24", "sarah-nam", {RELU_F: _code("""
        greater_than_0 = Z >= 0
        greater_than_0 = greater_than_0.astype(np.int)
        return np.multiply(greater_than_0, Z)
    """)}, "ReLU"),
    ("ReLU backward zeroes dY in place", "apply_along_axis", {RELU_B: _code("""
        dY[Z <= 0] = 0
        return dY
    """)}, "ReLU"),
    ("ReLU backward multiplies dY by the output, not by the mask", "R151Arushi", {RELU_B: _code("""
        return np.multiply(dY, np.maximum(Z, 0))
    """)}, "ReLU"),
    # FullyConnected
    ("Creater2036: bias initialised to ones", "Creater2036", {FC_INIT: _code("""
        W = self.init_weights((self.n_in, self.n_out))
        b = np.ones((1, self.n_out))
        self.parameters = OrderedDict({"W": W, "b": b})
        self.cache = OrderedDict({"Z": None, "X": None})
        self.gradients = OrderedDict({"W": np.zeros_like(W), "b": np.zeros_like(b)})
    """)}, "FullyConnected"),
    ("dW left as dZ^T X (the final transpose forgotten)", "sarah-nam", {FC_B: _code("""
        X = self.cache["X"]
        W = self.parameters["W"]
        dLdZ = self.activation.backward(dLdY)
        self.gradients["W"] = dLdZ.T.dot(X)
        self.gradients["b"] = np.sum(dLdZ, axis=0, keepdims=True)
        return dLdZ.dot(W.T)
    """)}, "FullyConnected"),
    ("FC backward skips the activation's backward", "einsum", {FC_B: _code("""
        dZ = dLdY
        self.gradients["W"] = np.dot(self.cache["X"].T, dZ)
        self.gradients["b"] = dZ.sum(axis=0).reshape(1, -1)
        return np.dot(dZ, self.parameters["W"].T)
    """)}, "FullyConnected"),
    ("FC gradients accumulated with += across calls", "buaa", {FC_B: _code("""
        z, X = self.cache["Z"], self.cache["X"]
        dLdZ = self.activation.backward(dLdY)
        self.gradients["W"] += X.T.dot(dLdZ)
        self.gradients["b"] += np.sum(dLdZ, axis=0, keepdims=True)
        return dLdZ.dot(self.parameters["W"].T)
    """)}, "FullyConnected"),
    ("bias gradient not summed over the batch", "elittman27", {FC_B: _code("""
        Z, X = self.cache["Z"], self.cache["X"]
        dLdZ = self.activation.backward(dLdY)
        self.gradients["W"] = X.T @ dLdZ
        self.gradients["b"] = dLdZ
        return dLdZ @ self.parameters["W"].T
    """)}, "FullyConnected"),
    # CrossEntropy
    ("CE summed over the batch, not averaged", "Creater2036", {CE_F: _code("""
        P = self.softmax(logits)
        self.cache["P"] = P
        self.cache["Y"] = Y
        return -np.sum(Y*np.log(P))
    """)}, "CrossEntropy"),
    ("CE backward without the 1/N", "early returns", {CE_B: _code("""
        return self.cache["p"] - self.cache["onehot"]
    """)}, "CrossEntropy"),
    ("CE backward with the sign flipped", "apply_along_axis", {CE_B: _code("""
        probs, Y = self.cache["probs"], self.cache["onehot"]
        return (Y - probs) / probs.shape[0]
    """)}, "CrossEntropy"),
    ("CS189 port: logits taken for probabilities (no softmax)", "elittman27", {CE_F: _code("""
        Y_hat = logits
        self.cache["Y"], self.cache["Y_hat"] = Y, Y_hat
        m = len(Y)
        return -np.sum(Y * np.log(Y_hat)) / m
    """)}, "CrossEntropy"),
    # Model
    ("model backward in forward order", "annljwang", {MODEL_B: _code("""
        grad = dLdY
        for i in range(len(self.layers)):
            grad = self.layers[i].backward(grad)
        return grad
    """)}, "Model"),
    ("model forward returns softmax probabilities, not logits", "buaa", {MODEL_F: _code("""
        for layer in self.layers:
            X = layer.forward(X)
        E = np.exp(X - X.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)
    """)}, "Model"),
    ("model backward skips the first layer", "Creater2036", {MODEL_B: _code("""
        dldy = dLdY
        for layer in self.layers[:0:-1]:
            dldy = layer.backward(dldy)
        return dldy
    """)}, "Model"),
]


def _style_named(prefix):
    matches = [name for name, _ in STYLES if name.startswith(prefix)]
    assert len(matches) == 1, f"style prefix {prefix!r} matches {matches}"
    return matches[0]


# A bug names its style by the prefix of the style's name; resolve it once, here.
BUGS = [(name, _style_named(style), texts, section) for name, style, texts, section in BUGS]


def bug_texts(style, texts):
    """The regions of ``style`` with a bug's ``texts`` in place of its own."""
    regions = dict(STYLE_TEXTS[style])
    regions.update(texts)
    return regions
