"""A logger of per-epoch loss and accuracy."""

import json


class Logger:
    """Records one row of metrics per epoch, e.g. ``log(epoch=3, train_loss=0.2, val_accuracy=0.93)``."""

    def __init__(self):
        self.history = {}

    def log(self, epoch, **metrics):
        """Append the metrics of one epoch; every epoch must report the same metrics."""
        row = {"epoch": epoch, **metrics}
        if self.history and set(row) != set(self.history):
            raise ValueError(f"epoch {epoch} logs {sorted(row)}; earlier epochs logged {sorted(self.history)}")
        for key, value in row.items():
            self.history.setdefault(key, []).append(value)

    def last(self, key):
        """The most recent value of ``key``."""
        return self.history[key][-1]

    def save(self, path):
        """Write the history as JSON."""
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.history, f, indent=1)

    def __len__(self):
        return len(self.history.get("epoch", []))

    def __repr__(self):
        return f"Logger(epochs={len(self)}, metrics={sorted(k for k in self.history if k != 'epoch')})"
