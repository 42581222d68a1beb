"""Train the homework's two-layer network on Iris with the code in ``hw1_student/``.

    python train_ffnn.py                          # one run with the default flags
    python train_ffnn.py --lr 0.01 --hidden 32    # one run with other hyperparameters
    python train_ffnn.py --sweep                  # five (lr, hidden) settings, a table and the curves
    python train_ffnn.py --sweep "lr=0.1,hidden=16" "lr=0.05,hidden=32"   # your own settings
    python train_ffnn.py --sweep @settings.txt                            # the same, one setting a line
    python train_ffnn.py --task sine              # the optional regression: fit sin(x) on [-5, 5]

A run trains ``FullyConnected(hidden, "relu")`` then ``FullyConnected(3, "identity")`` with softmax
cross-entropy and SGD with momentum, on the 105 training flowers, for ``--epochs`` passes over them in
shuffled batches. After each epoch it records the loss and accuracy on the training and the 15 validation
flowers; the validation numbers are only reported, never used to pick an epoch: the model after the last
epoch is the one tested on the 30 test flowers.

Files written to ``--out`` (default ``runs/``), named after the run as ``lr<lr>_h<hidden>_seed<seed>``:

- a run: ``<name>.json`` (the logger's history per epoch) and ``<name>.png`` (its loss and accuracy curves);
- ``--sweep``: the same per setting, ``sweep.md`` (a table sorted by the last validation accuracy, then
  the validation loss, showing both: the first row is the selected setting), ``curves.png`` (all settings)
  and, if there is none yet, ``report.md`` beside ``hw1_student/``: a skeleton with the table and a line
  per setting for your explanation. A setting is ``lr=0.1,hidden=16`` (a key left out keeps its default),
  on the command line or one a line in a file given as ``@settings.txt``; ``--sweep`` alone trains five.
  ``--lr`` and ``--hidden`` are refused with a sweep; the other flags apply to every setting.

The last line printed is ``test accuracy: 0.967`` (three decimals); after a sweep it names the selected
setting, whose test accuracy it is. A region of ``hw1_student/`` that is not filled in yet stops the script
with one line naming it, and exit code 1.

``--weight-decay L`` adds the L2 penalty ``L sum ||W||^2`` to the loss (the optional regularisation part).

``--task sine`` (the optional regression part) trains ``1 -> 64 -> 64 -> 1`` tanh units with Adam on 1000
points of ``sin(x)``, x in [-5, 5], with the mean absolute error (``--loss l1``, the default) or the mean
squared error (``--loss mse``); it writes ``sine_<loss>_seed<seed>.json`` and ``.png`` (the fit against
``sin(x)`` and the curves) and its last line is ``test MAE: 0.044`` (the reference solution, ``python
train_ffnn.py --task sine``). Its defaults: ``--lr 0.003``,
``--hidden 64``, ``--epochs 200``, ``--batch-size 32``; ``--momentum`` and ``--sweep`` are for Iris only.
"""

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hw1_student.activations import ReLU
from hw1_student.datasets import Iris, Sine
from hw1_student.fully_connected import FullyConnected
from hw1_student.logs import Logger
from hw1_student.losses import LOSSES, CrossEntropyLoss
from hw1_student.models import initialize_model, initialize_regressor

PROG = "train_ffnn"
PACKAGE = "hw1_student"
# The default setting, then the learning rate too low and too high, then fewer and more hidden units.
SWEEP = ((0.05, 16), (0.001, 16), (0.5, 16), (0.05, 4), (0.05, 64))     # the homework asks for five
_REGION_ID = re.compile(r"(\w+):[\w.]+(#\d+)?")


class StopTraining(Exception):
    """A problem the student can act on, reported as one line without a traceback."""


@dataclass(frozen=True)
class Config:
    """The hyperparameters of one run."""

    lr: float = 0.05
    hidden: int = 16
    epochs: int = 100
    batch_size: int = 16
    momentum: float = 0.9
    seed: int = 0
    weight_decay: float = 0.0

    @property
    def name(self):
        """The run's file name stem, e.g. ``lr0.05_h16_seed0`` (``_wd0.001`` added with weight decay,
        ``_float32`` in single precision)."""
        decay = f"_wd{self.weight_decay:g}" if self.weight_decay else ""
        return f"lr{self.lr:g}_h{self.hidden}_seed{self.seed}{decay}"

    @property
    def label(self):
        return f"lr={self.lr:g}, hidden={self.hidden}"


@dataclass
class RunResult:
    """What a run leaves behind: its config, the per-epoch history and the final test accuracy."""

    config: Config
    log: Logger
    test_accuracy: float

    def last(self, key):
        return self.log.last(key)

    def best(self, key):
        return max(self.log.history[key])


def check_regions(X, Y):
    """Call every piece training needs once, in the homework's order, on a few samples.

    Training reaches ``NeuralNetwork.forward`` before anything else; this makes an unfilled region show up
    in the order the homework asks for it (activations, fully_connected, losses, models) instead.

    X : ndarray of shape (N, D); Y : ndarray of shape (N, C), one-hot
    """
    relu = ReLU()
    relu.backward(relu.forward(X))
    layer = FullyConnected(Y.shape[1], "relu", rng=np.random.default_rng(0))
    logits = layer.forward(X)
    layer.backward(np.ones_like(logits))
    loss = CrossEntropyLoss()
    loss.forward(logits, Y)
    loss.backward()
    model = initialize_model(n_classes=Y.shape[1], hidden=4, seed=0)
    model.backward(model.forward(X))


def train_epoch(model, split, batch_size, rng, epoch):
    """One pass over ``split`` (a ``DataSplit`` of N samples) in shuffled batches of ``batch_size``."""
    for X, Y in split.batches(batch_size, rng):
        loss = model.train_step(X, Y)
        if not np.isfinite(loss):
            raise StopTraining(f"the training loss became {loss} in epoch {epoch}; check your backward "
                               f"passes with check_gradients.ipynb, or lower --lr")


def train(config, data, progress):
    """Train one model with ``config`` on ``data`` (an ``Iris``), showing a bar on ``progress``."""
    model = initialize_model(n_classes=data.train.Y.shape[1], hidden=config.hidden, seed=config.seed,
                             lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
    rng = np.random.default_rng(config.seed)
    log = Logger()
    task = progress.add_task(config.label, total=config.epochs, status="")
    for epoch in range(1, config.epochs + 1):
        train_epoch(model, data.train, config.batch_size, rng, epoch)
        train_loss, train_accuracy = model.evaluate(data.train.X, data.train.Y)
        val_loss, val_accuracy = model.evaluate(data.validate.X, data.validate.Y)
        log.log(epoch, train_loss=train_loss, train_accuracy=train_accuracy, val_loss=val_loss,
                val_accuracy=val_accuracy)
        progress.update(task, advance=1, status=f"loss {train_loss:.3f}  val accuracy {val_accuracy:.3f}")
    _, test_accuracy = model.evaluate(data.test.X, data.test.Y)
    return RunResult(config, log, test_accuracy)


def plot_curves(results, path):
    """Loss (left) and accuracy (right) per epoch: training solid, validation dashed, a colour per run."""
    # A bare Figure, not pyplot: it renders with the Agg backend and needs no display (servers, CI).
    fig = Figure(figsize=(12, 4.2), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    for i, result in enumerate(results):
        h, color = result.log.history, f"C{i}"
        ax_loss.plot([], [], color=color, label=result.config.label)   # one legend entry per run
        for ax, metric in ((ax_loss, "loss"), (ax_acc, "accuracy")):
            ax.plot(h["epoch"], h[f"train_{metric}"], color=color)
            ax.plot(h["epoch"], h[f"val_{metric}"], color=color, linestyle="--", alpha=0.8)
    for ax, metric in ((ax_loss, "cross-entropy loss"), (ax_acc, "accuracy")):
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    ax_loss.set_yscale("log")
    fig.legend(loc="outside right upper", fontsize="small")
    title = results[0].config.label if len(results) == 1 else "Iris, two-layer network"
    fig.suptitle(f"{title}: training (solid) and validation (dashed)")
    fig.savefig(path, dpi=120)


def ranked(results):
    """Best first: the last epoch's validation accuracy, then its validation loss (lower first)."""
    return sorted(results, key=lambda r: (-r.last("val_accuracy"), r.last("val_loss")))


def sweep_table(results):
    """The sweep as a markdown table, best setting first, with a caption that says how it is sorted."""
    c, chosen = results[0].config, ranked(results)[0]
    lines = [f"Iris, {c.epochs} epochs, batch size {c.batch_size}, momentum {c.momentum:g}, seed {c.seed}; "
             f"each model is tested after its last epoch. Sorted by the last epoch's validation accuracy, "
             f"then its validation loss (lower first); the first row is the selected setting.", "",
             "| lr | hidden | final train loss | last val accuracy | last val loss | best val accuracy | test "
             "accuracy |", "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in ranked(results):
        lines.append(f"| {r.config.lr:g} | {r.config.hidden} | {r.last('train_loss'):.4f} | "
                     f"{r.last('val_accuracy'):.3f} | {r.last('val_loss'):.4f} | {r.best('val_accuracy'):.3f} | "
                     f"{r.test_accuracy:.3f} |")
    lines += ["", f"Selected: {chosen.config.label}, test accuracy {chosen.test_accuracy:.3f}."]
    return "\n".join(lines) + "\n"


def write_report(results, out, table):
    """``report.md`` beside ``hw1_student/``: the table, the curves and a line per setting to explain.
    Returns its path, or None when a report.md is there already: the student's text is never replaced."""
    root = Path(sys.modules[PACKAGE].__file__).resolve().parent.parent
    link = lambda name: Path(os.path.relpath((out / name).resolve(), root)).as_posix()  # noqa: E731
    lines = ["# hw1 report", "", "## The sweep / 超参数实验", "", table, f"![every setting]({link('curves.png')})",
             "", "## What each setting shows / 每组设置说明了什么", ""]
    lines += [f"- {r.config.label} ([curves]({link(r.config.name + '.png')})): <your explanation / 你的解释>"
              for r in results]
    lines += ["", "## Conclusion / 结论", "", "<the setting you choose, and why / 你选择的设置及原因>", ""]
    if (root / "report.md").exists():
        return None
    (root / "report.md").write_text("\n".join(lines), encoding="utf-8")
    return root / "report.md"


def summary(result):
    """One line per finished run."""
    return (f"{result.config.label}: train loss {result.last('train_loss'):.4f}, val accuracy "
            f"{result.last('val_accuracy'):.3f} (best {result.best('val_accuracy'):.3f}), "
            f"test accuracy {result.test_accuracy:.3f}")


def progress_bars():
    """The training's progress bars: one line per run, with its status."""
    console = Console()
    # Off a terminal (a pipe, a log file, CI) the bar would only leave control codes: show nothing then.
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[status]}"))
    return Progress(*columns, console=console, transient=True, disable=not console.is_terminal)


def run_all(configs, data, out):
    """Train each config in turn, save its history to ``out``, and return the results."""
    results = []
    with progress_bars() as progress:
        for config in configs:
            result = train(config, data, progress)
            result.log.save(out / f"{config.name}.json")
            progress.console.print(summary(result), soft_wrap=True, highlight=False, markup=False)
            results.append(result)
    return results


def main(argv=None):
    """Parse the flags, train, write the files; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.task == "sine":
        return main_sine(parser, args)
    if args.loss is not None:
        parser.error("--loss is for --task sine; Iris trains with the cross-entropy")
    settings = sweep_settings(parser, args)
    d = Config()
    base = Config(_given(args.lr, d.lr), _given(args.hidden, d.hidden), _given(args.epochs, d.epochs),
                  _given(args.batch_size, d.batch_size), args.momentum, args.seed, args.weight_decay)
    out = Path(args.out)
    data = Iris()
    try:
        check_regions(data.train.X[:4], data.train.Y[:4])
        out.mkdir(parents=True, exist_ok=True)      # only once there is something to write
        configs = [Config(lr, hidden, *_rest(base)) for lr, hidden in settings] if settings else [base]
        results = run_all(configs, data, out)
    except NotImplementedError as e:
        return _not_implemented(e)
    except StopTraining as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 1
    for result in results:
        plot_curves([result], out / f"{result.config.name}.png")
    if not settings:
        print(f"wrote {out / base.name}.json and {out / base.name}.png")
        print(f"test accuracy: {results[0].test_accuracy:.3f}")
        return 0
    table = sweep_table(results)
    (out / "sweep.md").write_text(table, encoding="utf-8")
    plot_curves(results, out / "curves.png")
    print(f"wrote {out / 'sweep.md'}, {out / 'curves.png'} and each setting's .json and .png")
    report = write_report(results, out, table)
    print(f"wrote {report}: explain each setting there" if report else
          "report.md is there already, left as it is: paste the table from sweep.md")
    chosen = ranked(results)[0]
    print(f"test accuracy: {chosen.test_accuracy:.3f} (the selected setting: {chosen.config.label})")
    return 0


def _setting(text):
    """``lr=0.1,hidden=16`` -> (0.1, 16); a key left out keeps its default."""
    try:
        given = dict(item.split("=") for item in text.replace(" ", "").split(",") if item)
        if not given or set(given) - {"lr", "hidden"}:         # a blank line of an @file too
            raise ValueError(text)
        return _positive(float)(given.get("lr", Config.lr)), _positive(int)(given.get("hidden", Config.hidden))
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a setting like lr=0.1,hidden=16") from None


def sweep_settings(parser, args):
    """The sweep's (lr, hidden) settings (the five of SWEEP for a bare --sweep); [] without a sweep. The
    flags a sweep would ignore are errors."""
    if args.sweep is None:
        return []
    for flag, value in (("--lr", args.lr), ("--hidden", args.hidden)):
        if value is not None:
            parser.error(f"{flag} does nothing in a sweep: give it in each setting, e.g. --sweep "
                         f"\"lr=0.1,hidden=16\" \"lr=0.05,hidden=32\"")
    return args.sweep or list(SWEEP)


# --- the optional regression: sin(x) on [-5, 5] --------------------------------------------------------

REGRESSION_LOSSES = ("l1", "mse")


@dataclass(frozen=True)
class SineConfig:
    """The hyperparameters of the sine regression: ``hidden`` units in each of two tanh layers, Adam."""

    loss: str = "l1"
    lr: float = 0.003
    hidden: int = 64
    epochs: int = 200
    batch_size: int = 32
    seed: int = 0
    weight_decay: float = 0.0

    @property
    def name(self):
        """The run's file name stem, e.g. ``sine_l1_seed0``."""
        decay = f"_wd{self.weight_decay:g}" if self.weight_decay else ""
        return f"sine_{self.loss}_seed{self.seed}{decay}"

    @property
    def label(self):
        return f"sin(x), {self.loss} loss, lr={self.lr:g}, hidden={self.hidden}"


def mean_absolute_error(model, split):
    """The MAE of ``model`` on a ``RegressionSplit``, over all N samples."""
    return float(np.mean(np.abs(model.forward(split.X) - split.Y)))


def check_sine_regions(X, Y, loss):
    """Call the pieces the regression needs in the homework's order (layer, loss, model): an unfilled
    region shows up in that order. X : ndarray of shape (N, 1); Y : ndarray of shape (N, 1)."""
    layer = FullyConnected(1, "tanh", rng=np.random.default_rng(0))
    Y_hat = layer.forward(X)
    layer.backward(np.ones_like(Y_hat))
    loss_fn = LOSSES[loss]()
    loss_fn.forward(Y_hat, Y)
    loss_fn.backward()
    initialize_regressor(hidden=(4,), loss=loss, seed=0).loss_and_gradients(X, Y)


def train_sine(config, data, progress):
    """Train the regression with ``config`` on ``data`` (a ``Sine``); returns (model, Logger, test MAE)."""
    model = initialize_regressor(hidden=(config.hidden, config.hidden), loss=config.loss, optimizer="adam",
                                 seed=config.seed, weight_decay=config.weight_decay,
                                 lr=config.lr)
    rng = np.random.default_rng(config.seed)
    log = Logger()
    task = progress.add_task(config.label, total=config.epochs, status="")
    for epoch in range(1, config.epochs + 1):
        train_epoch(model, data.train, config.batch_size, rng, epoch)
        train_loss, _ = model.evaluate(data.train.X, data.train.Y)
        val_mae = mean_absolute_error(model, data.validate)
        log.log(epoch, train_loss=train_loss, val_mae=val_mae)
        progress.update(task, advance=1, status=f"loss {train_loss:.4f}  val MAE {val_mae:.4f}")
    return model, log, mean_absolute_error(model, data.test)


def plot_sine(model, data, log, config, path):
    """Left: the network's fit against sin(x) on [-5, 5], with the test points; right: the curves."""
    fig = Figure(figsize=(12, 4.2), layout="constrained")
    ax_fit, ax_curve = fig.subplots(1, 2)
    x = np.linspace(-5.0, 5.0, 501)
    ax_fit.plot(x, np.sin(x), color="black", linewidth=1, label="sin(x)")
    ax_fit.plot(x, model.forward(Sine.features(x))[:, 0], color="C0", label="the network")
    ax_fit.scatter(Sine.points(data.test.X), data.test.Y[:, 0], s=6, color="C1", alpha=0.5, label="test points")
    ax_fit.set_xlabel("x")
    ax_fit.legend(fontsize="small")
    ax_curve.plot(log.history["epoch"], log.history["train_loss"], color="C0", label=f"train {config.loss} loss")
    ax_curve.plot(log.history["epoch"], log.history["val_mae"], color="C1", linestyle="--", label="val MAE")
    ax_curve.set_xlabel("epoch")
    ax_curve.set_yscale("log")
    ax_curve.legend(fontsize="small")
    for ax in (ax_fit, ax_curve):
        ax.grid(alpha=0.3)
    fig.suptitle(config.label)
    fig.savefig(path, dpi=120)


def main_sine(parser, args):
    """The regression's half of ``main``: exit code."""
    if args.sweep is not None:
        parser.error("--sweep is for --task iris")
    s = SineConfig()
    config = SineConfig(_given(args.loss, s.loss), _given(args.lr, s.lr), _given(args.hidden, s.hidden),
                        _given(args.epochs, s.epochs), _given(args.batch_size, s.batch_size), args.seed,
                        args.weight_decay)
    out, data = Path(args.out), Sine()
    try:
        check_sine_regions(data.train.X[:4], data.train.Y[:4], config.loss)
        out.mkdir(parents=True, exist_ok=True)
        with progress_bars() as progress:
            model, log, test_mae = train_sine(config, data, progress)
    except NotImplementedError as e:
        return _not_implemented(e)
    except StopTraining as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 1
    log.save(out / f"{config.name}.json")
    plot_sine(model, data, log, config, out / f"{config.name}.png")
    print(f"{config.label}: train loss {log.last('train_loss'):.4f}, val MAE {log.last('val_mae'):.4f}")
    print(f"wrote {out / config.name}.json and {out / config.name}.png")
    print(f"test MAE: {test_mae:.3f}")
    return 0


def _rest(config):
    """The hyperparameters a sweep keeps from the flags: epochs, batch size, momentum, seed, weight decay."""
    return config.epochs, config.batch_size, config.momentum, config.seed, config.weight_decay


def _given(value, default):
    """A flag's value, or the task's default when the flag was not given."""
    return default if value is None else value


def _not_implemented(error):
    """Name the unfilled region (the stub's message is its id) in one line; other cases keep the traceback."""
    region = str(error)
    match = _REGION_ID.fullmatch(region)
    if match is None:
        raise error
    print(f"{PROG}: {region} is not implemented yet: fill its YOUR CODE region in "
          f"{PACKAGE}/{match.group(1)}.py", file=sys.stderr)
    return 1


def _positive(kind):
    def parse(text):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive; got {text}")
        return value
    return parse


def _momentum(text):
    value = float(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1); got {text}")
    return value


def _non_negative(text):
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0; got {text}")
    return value


def build_parser():
    d, s = Config(), SineConfig()
    p = argparse.ArgumentParser(prog="train_ffnn.py", description="Train the two-layer network on Iris "
                                "(or, with --task sine, a regression of sin(x)).", fromfile_prefix_chars="@")
    # Defaults of None: the task decides (Iris's first, the sine's in the help).
    p.add_argument("--lr", type=_positive(float), help=f"learning rate (default {d.lr}; sine {s.lr})")
    p.add_argument("--hidden", type=_positive(int), help=f"hidden units (default {d.hidden}; sine {s.hidden} "
                                                         "per hidden layer)")
    p.add_argument("--epochs", type=_positive(int), help=f"epochs (default {d.epochs}; sine {s.epochs})")
    p.add_argument("--batch-size", type=_positive(int),
                   help=f"samples per batch (default {d.batch_size}; sine {s.batch_size})")
    p.add_argument("--momentum", type=_momentum, default=d.momentum, help=f"SGD momentum (default {d.momentum})")
    p.add_argument("--seed", type=int, default=d.seed, help="seed of the initial weights and the shuffling "
                                                            f"(default {d.seed}); the split never changes")
    p.add_argument("--out", default="runs", help="output folder (default runs/)")
    p.add_argument("--sweep", nargs="*", type=_setting, metavar="SETTING",
                   help=f"train settings such as \"lr=0.1,hidden=16\" (alone: {len(SWEEP)} settings; @FILE: one "
                        "a line); write sweep.md, the curves and a report.md skeleton")
    p.add_argument("--weight-decay", type=_non_negative, default=0.0,
                   help="lambda of the L2 penalty lambda * sum ||W||^2 added to the loss (default 0: none)")
    p.add_argument("--task", choices=("iris", "sine"), default="iris",
                   help="iris (default): the classification; sine: the optional regression of sin(x)")
    p.add_argument("--loss", choices=REGRESSION_LOSSES,
                   help=f"the regression's loss, --task sine only (default {s.loss}: the mean absolute error)")
    return p


if __name__ == "__main__":
    sys.exit(main())
