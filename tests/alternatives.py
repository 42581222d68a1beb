"""Correct solutions written differently from the reference: each must score full marks.

(name, {region id: (old text, new text)})
"""

ACT, FC, CE = "activations", "fully_connected", "losses"

ALTERNATIVES = [
    ("relu mask product", {
        f"{ACT}:ReLU.forward": ("Y = np.maximum(0.0, Z)", "Y = Z * (Z > 0)"),
        f"{ACT}:ReLU.backward": ("dZ = dY * (Z > 0)", "dZ = np.where(Z > 0, dY, 0.0)"),
    }),
    ("softmax loop-built Jacobian", {
        f"{ACT}:SoftMax.forward": (
            "E = np.exp(Z - Z.max(axis=-1, keepdims=True))\n        Y = E / E.sum(axis=-1, keepdims=True)",
            "Y = np.zeros_like(Z)\n        for n in range(Z.shape[0]):\n"
            "            e = np.exp(Z[n] - np.max(Z[n]))\n            Y[n] = e / np.sum(e)"),
        f"{ACT}:SoftMax.backward": (
            "dZ = Y * (dY - np.sum(dY * Y, axis=-1, keepdims=True))",
            "dZ = np.zeros_like(dY)\n        for n in range(Y.shape[0]):\n"
            "            y = Y[n]\n            J = np.diag(y) - np.outer(y, y)\n            dZ[n] = J @ dY[n]"),
    }),
    ("softmax einsum Jacobian", {
        f"{ACT}:SoftMax.backward": (
            "dZ = Y * (dY - np.sum(dY * Y, axis=-1, keepdims=True))",
            "J = np.einsum('ni,ij->nij', Y, np.eye(Y.shape[1])) - np.einsum('ni,nj->nij', Y, Y)\n"
            "        dZ = np.einsum('nij,nj->ni', J, dY)"),
    }),
    ("fc 1-D bias", {
        f"{FC}:FullyConnected._init_parameters": ("b = np.zeros((1, self.n_out))", "b = np.zeros(self.n_out)"),
        f"{FC}:FullyConnected.backward": ("dZ.sum(axis=0, keepdims=True)", "dZ.sum(axis=0)"),
    }),
    ("fc einsum and np.dot", {
        f"{FC}:FullyConnected.forward": ("Z = X @ W + b", "Z = np.einsum('nd,dh->nh', X, W) + b"),
        f"{FC}:FullyConnected.backward": ('self.gradients["W"] = X.T @ dZ',
                                          'self.gradients["W"] = np.dot(X.T, dZ)'),
    }),
    ("ce backward written directly", {
        f"{CE}:CrossEntropyLoss.forward": ('self.cache["probs"] = np.exp(log_probs)',
                                           'self.cache["logits"] = logits'),
        f"{CE}:CrossEntropyLoss.backward": (
            'probs, Y = self.cache["probs"], self.cache["Y"]\n        dLdlogits = (probs - Y) / Y.shape[0]',
            'logits, Y = self.cache["logits"], self.cache["Y"]\n'
            '        e = np.exp(logits - logits.max(axis=1, keepdims=True))\n'
            '        softmax = e / e.sum(axis=1, keepdims=True)\n'
            '        dLdlogits = (softmax - Y) / logits.shape[0]'),
    }),
    ("ce with scipy-free logsumexp and mean", {
        f"{CE}:CrossEntropyLoss.forward": (
            "loss = -np.sum(Y * log_probs) / logits.shape[0]",
            "loss = np.mean(-np.sum(Y * log_probs, axis=1))"),
    }),
]

# Whole regions, written the way students of the original homework write them (``None``: the whole region
# is replaced). Each keeps full marks; what the homework leaves open is at most a note.
NN = "models"
ALTERNATIVES += [
    ("relu kink taken as 1, np.where", {
        f"{ACT}:ReLU.forward": (None, "        return np.where(Z > 0, Z, 0.0)\n"),
        f"{ACT}:ReLU.backward": (None, "        return dY * (Z >= 0)\n"),
    }),
    ("softmax early return, own cache key, looped Jacobian", {
        f"{ACT}:SoftMax.forward": (None, "        e = np.exp(Z - np.max(Z, axis=1, keepdims=True))\n"
                                         "        self.cache['probs'] = e / np.sum(e, axis=1, keepdims=True)\n"
                                         "        return self.cache['probs']\n"),
        f"{ACT}:SoftMax.backward": (None, "        s = self.cache['probs']\n"
                                          "        grads = []\n"
                                          "        for y, g in zip(s, dY):\n"
                                          "            jac = np.diagflat(y) - np.outer(y, y)\n"
                                          "            grads.append(jac @ g)\n"
                                          "        return np.array(grads)\n"),
    }),
    ("softmax apply_along_axis, recomputed from the cached input", {
        f"{ACT}:SoftMax.forward": (None, "        def row(z):\n"
                                         "            e = np.exp(z - z.max())\n"
                                         "            return e / e.sum()\n"
                                         "        return np.apply_along_axis(row, 1, Z)\n"),
        f"{ACT}:SoftMax.backward": (None, "        Z = self.cache['Z']\n"
                                          "        e = np.exp(Z - Z.max(axis=1, keepdims=True))\n"
                                          "        Y = e / e.sum(axis=1, keepdims=True)\n"
                                          "        return Y * dY - Y * np.sum(Y * dY, axis=1, keepdims=True)\n"),
    }),
    ("ce through self.softmax, mean of -log of the true class", {
        f"{CE}:CrossEntropyLoss.forward": (None, "        Y_hat = self.softmax.forward(logits)\n"
                                                 "        self.cache['Y_hat'], self.cache['Y'] = Y_hat, Y\n"
                                                 "        return np.mean(-np.log(Y_hat[Y == 1]))\n"),
        f"{CE}:CrossEntropyLoss.backward": (None, "        Y_hat, Y = self.cache['Y_hat'], self.cache['Y']\n"
                                                  "        return (Y_hat - Y) / Y.shape[0]\n"),
    }),
    ("ce with an eps in the log, through the softmax's backward", {
        f"{CE}:CrossEntropyLoss.forward": (None, "        m = logits.shape[0]\n"
                                                 "        Y_hat = self.softmax.forward(logits)\n"
                                                 "        self.cache['Y_hat'], self.cache['Y'] = Y_hat, Y\n"
                                                 "        return -1 / m * np.sum(Y * np.log(Y_hat + 1e-8))\n"),
        f"{CE}:CrossEntropyLoss.backward": (None, "        Y_hat, Y = self.cache['Y_hat'], self.cache['Y']\n"
                                                  "        dY_hat = -Y / (Y_hat + 1e-300) / Y.shape[0]\n"
                                                  "        return self.softmax.backward(dY_hat)\n"),
    }),
    ("fc gradients initialised to 0, a dict comprehension, early returns", {
        f"{FC}:FullyConnected._init_parameters": (None,
            "        W = self.init_weights((self.n_in, self.n_out))\n"
            "        b = np.zeros((1, self.n_out))\n"
            "        self.parameters = OrderedDict({'W': W, 'b': b})\n"
            "        self.cache = OrderedDict({'X': [], 'Z': []})\n"
            "        self.gradients = OrderedDict({k: 0 for k in self.parameters})\n"),
        f"{FC}:FullyConnected.forward": (None,
            "        self.cache['inputs'] = X\n"
            "        self.cache['pre'] = np.dot(X, self.parameters['W']) + self.parameters['b']\n"
            "        return self.activation.forward(self.cache['pre'])\n"),
        f"{FC}:FullyConnected.backward": (None,
            "        delta = self.activation.backward(dLdY)\n"
            "        self.gradients = OrderedDict({'W': np.dot(self.cache['inputs'].T, delta),\n"
            "                                      'b': np.sum(delta, axis=0, keepdims=True)})\n"
            "        return np.dot(delta, self.parameters['W'].T)\n"),
    }),
    ("model loops by index", {
        f"{NN}:NeuralNetwork.forward": (None, "        for i in range(len(self.layers)):\n"
                                              "            X = self.layers[i].forward(X)\n"
                                              "        return X\n"),
        f"{NN}:NeuralNetwork.backward": (None, "        for i in range(len(self.layers) - 1, -1, -1):\n"
                                               "            dLdY = self.layers[i].backward(dLdY)\n"
                                               "        return dLdY\n"),
    }),
]
