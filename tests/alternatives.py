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
