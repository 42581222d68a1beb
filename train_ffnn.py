"""Train the homework's two-layer network on Iris with ``hw1_student/``; the kit's README.md says more.

    python train_ffnn.py                          # one run; its last line is e.g. "test accuracy: 0.967"
    python train_ffnn.py --lr 0.01 --hidden 32    # one run with other hyperparameters
    python train_ffnn.py --sweep                  # five (lr, hidden) settings: sweep.md, curves, report.md
    python train_ffnn.py --sweep "lr=0.1,hidden=16" "lr=0.05,hidden=32"   # your own settings
    python train_ffnn.py --sweep @settings.txt                            # the same, one setting a line
    python train_ffnn.py --weight-decay 0.001     # the optional L2 penalty, 0.001 sum ||W||^2 added to the loss
    python train_ffnn.py --task sine              # the optional regression of sin(x): "test MAE: 0.044"

The validation flowers are only reported, never used to pick an epoch: the model after the last epoch is
the one tested. A region not filled in yet stops the script with one line naming it, and exit code 1.
"""

import argparse
import os
import re
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hw1_student.activations import ReLU
from hw1_student.datasets import Iris, Sine
from hw1_student.fully_connected import FullyConnected
from hw1_student.logs import Logger
from hw1_student.losses import LOSSES
from hw1_student.models import initialize_model, initialize_regressor
from regions import PACKAGE

PROG = "train_ffnn"
# The default setting, then the learning rate too low and too high, then fewer and more hidden units.
SWEEP = ((0.05, 16), (0.001, 16), (0.5, 16), (0.05, 4), (0.05, 64))     # the homework asks for five


class StopTraining(Exception):
    """A problem the student can act on, reported as one line without a traceback."""


@dataclass(frozen=True)
class Config:
    """The hyperparameters of one run: Iris's defaults here, the sine regression's in ``SINE``."""

    task: str = "iris"
    lr: float = 0.05
    hidden: int = 16
    epochs: int = 100
    batch_size: int = 16
    momentum: float = 0.9           # SGD's, for Iris; the regression trains with Adam
    seed: int = 0
    weight_decay: float = 0.0
    loss: str = "cross_entropy"

    @property
    def name(self):
        """The run's file name stem, e.g. ``lr0.05_h16_seed0``, ``sine_l1_seed0``, ``lr0.05_h16_seed0_wd0.001``."""
        stem = f"sine_{self.loss}" if self.task == "sine" else f"lr{self.lr:g}_h{self.hidden}"
        return f"{stem}_seed{self.seed}" + (f"_wd{self.weight_decay:g}" if self.weight_decay else "")

    @property
    def label(self):
        label = f"lr={self.lr:g}, hidden={self.hidden}"
        return f"sin(x), {self.loss} loss, {label}" if self.task == "sine" else label


SINE = Config("sine", lr=0.003, hidden=64, epochs=200, batch_size=32, loss="l1")   # two tanh layers of ``hidden``


@dataclass
class RunResult:
    """What an Iris run leaves behind: its config, the per-epoch history and the final test accuracy."""

    config: Config
    log: Logger
    test_accuracy: float


def check_regions(X, Y, activation, loss, model):
    """Call each piece training needs once, on a few samples, so that an unfilled region shows up in the
    homework's order (activations, fully_connected, losses, models), not where training first calls one.
    X : ndarray of shape (N, D); Y : ndarray of shape (N, K), one-hot classes or regression targets."""
    if activation == "relu":
        relu = ReLU()
        relu.backward(relu.forward(X))
    layer = FullyConnected(Y.shape[1], activation, rng=np.random.default_rng(0))
    Y_hat = layer.forward(X)
    layer.backward(np.ones_like(Y_hat))
    loss_fn = LOSSES[loss]()
    loss_fn.forward(Y_hat, Y)
    loss_fn.backward()
    model.loss_and_gradients(X, Y)


def fit(model, config, data, progress, measure, status):
    """Train ``model`` for ``config.epochs`` shuffled passes over ``data.train``; after each, log
    ``measure(model, data)`` (a dict) and show it on ``progress`` through the format string ``status``."""
    rng, log = np.random.default_rng(config.seed), Logger()
    task = progress.add_task(config.label, total=config.epochs, status="")
    for epoch in range(1, config.epochs + 1):
        for X, Y in data.train.batches(config.batch_size, rng):
            loss = model.train_step(X, Y)
            if not np.isfinite(loss):
                raise StopTraining(f"the training loss became {loss} in epoch {epoch}; check your backward "
                                   f"passes with check_gradients.ipynb, or lower --lr")
        values = measure(model, data)
        log.log(epoch, **values)
        progress.update(task, advance=1, status=status.format(**values))
    return log


def iris_metrics(model, data):
    train_loss, train_accuracy = model.evaluate(data.train.X, data.train.Y)
    val_loss, val_accuracy = model.evaluate(data.validate.X, data.validate.Y)
    return dict(train_loss=train_loss, train_accuracy=train_accuracy, val_loss=val_loss, val_accuracy=val_accuracy)


def sine_metrics(model, data):
    return dict(train_loss=model.evaluate(data.train.X, data.train.Y)[0],
                val_mae=mean_absolute_error(model, data.validate))


def mean_absolute_error(model, split):
    return float(np.mean(np.abs(model.forward(split.X) - split.Y)))


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
        ax.set(xlabel="epoch", ylabel=metric)
        ax.grid(alpha=0.3)
    ax_loss.set_yscale("log")
    fig.legend(loc="outside right upper", fontsize="small")
    title = results[0].config.label if len(results) == 1 else "Iris, two-layer network"
    fig.suptitle(f"{title}: training (solid) and validation (dashed)")
    fig.savefig(path, dpi=120)


def ranked(results):
    """Best first: the last epoch's validation accuracy, then its validation loss (lower first)."""
    return sorted(results, key=lambda r: (-r.log.last("val_accuracy"), r.log.last("val_loss")))


def sweep_table(results):
    """The sweep as a markdown table, best setting first, with a caption that says how it is sorted."""
    c, chosen = results[0].config, ranked(results)[0]
    lines = [f"Iris, {c.epochs} epochs, batch size {c.batch_size}, momentum {c.momentum:g}, seed {c.seed}; "
             f"each model is tested after its last epoch. Sorted by the last epoch's validation accuracy, "
             f"then its validation loss (lower first); the first row is the selected setting.", "",
             "| lr | hidden | final train loss | last val accuracy | last val loss | best val accuracy | test "
             "accuracy |", "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in ranked(results):
        last = r.log.last
        lines.append(f"| {r.config.lr:g} | {r.config.hidden} | {last('train_loss'):.4f} | {last('val_accuracy'):.3f} | "
                     f"{last('val_loss'):.4f} | {max(r.log.history['val_accuracy']):.3f} | {r.test_accuracy:.3f} |")
    lines += ["", f"Selected: {chosen.config.label}, test accuracy {chosen.test_accuracy:.3f}."]
    return "\n".join(lines) + "\n"


def write_report(results, out, table):
    """``report.md`` beside ``hw1_student/``: the table, the curves and a line per setting to explain.
    Returns its path, or None when a report.md is there already: the student's text is never replaced."""
    root = Path(sys.modules[PACKAGE].__file__).resolve().parent.parent
    if (root / "report.md").exists():
        return None
    link = lambda name: Path(os.path.relpath((out / name).resolve(), root)).as_posix()  # noqa: E731
    lines = ["# hw1 report", "", "## The sweep / 超参数实验", "", table, f"![every setting]({link('curves.png')})",
             "", "## What each setting shows / 每组设置说明了什么", ""]
    lines += [f"- {r.config.label} ([curves]({link(r.config.name + '.png')})): <your explanation / 你的解释>"
              for r in results]
    lines += ["", "## Conclusion / 结论", "", "<the setting you choose, and why / 你选择的设置及原因>", ""]
    (root / "report.md").write_text("\n".join(lines), encoding="utf-8")
    return root / "report.md"


def progress_bars():
    """The training's progress bars: one line per run, with its status."""
    console = Console()
    # Off a terminal (a pipe, a log file, CI) the bar would only leave control codes: show nothing then.
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("{task.fields[status]}"), console=console, transient=True,
                    disable=not console.is_terminal)


def run_all(configs, data, out):
    """Train an Iris model per config in turn, write its history and curves to ``out``; the RunResults."""
    results = []
    with progress_bars() as progress:
        for c in configs:
            model = initialize_model(n_classes=data.train.Y.shape[1], hidden=c.hidden, seed=c.seed, lr=c.lr,
                                     momentum=c.momentum, weight_decay=c.weight_decay)
            log = fit(model, c, data, progress, iris_metrics, "loss {train_loss:.3f}  val accuracy {val_accuracy:.3f}")
            results.append(r := RunResult(c, log, model.evaluate(data.test.X, data.test.Y)[1]))
            log.save(out / f"{c.name}.json")
            plot_curves([r], out / f"{c.name}.png")
            line = (f"{c.label}: train loss {log.last('train_loss'):.4f}, val accuracy {log.last('val_accuracy'):.3f} "
                    f"(best {max(log.history['val_accuracy']):.3f}), test accuracy {r.test_accuracy:.3f}")
            progress.console.print(line, soft_wrap=True, highlight=False, markup=False)
    return results


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return (main_sine if args.task == "sine" else main_iris)(parser, args)
    except NotImplementedError as e:
        return _not_implemented(e)
    except StopTraining as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 1


def main_iris(parser, args):
    if args.loss is not None:
        parser.error("--loss is for --task sine; Iris trains with the cross-entropy")
    settings = sweep_settings(parser, args)
    base, out, data = _config(args), Path(args.out), Iris()
    check_regions(data.train.X[:4], data.train.Y[:4], "relu", "cross_entropy", initialize_model(hidden=4))
    out.mkdir(parents=True, exist_ok=True)      # only once there is something to write
    results = run_all([replace(base, lr=lr, hidden=hidden) for lr, hidden in settings] or [base], data, out)
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

def plot_sine(model, data, log, config, path):
    """Left: the network's fit against sin(x) on [-5, 5], with the test points; right: the curves."""
    fig = Figure(figsize=(12, 4.2), layout="constrained")
    ax_fit, ax_curve = fig.subplots(1, 2)
    x = np.linspace(-5.0, 5.0, 501)
    ax_fit.plot(x, np.sin(x), color="black", linewidth=1, label="sin(x)")
    ax_fit.plot(x, model.forward(Sine.features(x))[:, 0], color="C0", label="the network")
    ax_fit.scatter(Sine.points(data.test.X), data.test.Y[:, 0], s=6, color="C1", alpha=0.5, label="test points")
    ax_fit.set_xlabel("x")
    ax_curve.plot(log.history["epoch"], log.history["train_loss"], color="C0", label=f"train {config.loss} loss")
    ax_curve.plot(log.history["epoch"], log.history["val_mae"], color="C1", linestyle="--", label="val MAE")
    ax_curve.set(xlabel="epoch", yscale="log")
    for ax in (ax_fit, ax_curve):
        ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
    fig.suptitle(config.label)
    fig.savefig(path, dpi=120)


def main_sine(parser, args):
    if args.sweep is not None:
        parser.error("--sweep is for --task iris")
    config, out, data = _config(args), Path(args.out), Sine()
    check_regions(data.train.X[:4], data.train.Y[:4], "tanh", config.loss,
                  initialize_regressor(hidden=(4,), loss=config.loss))
    out.mkdir(parents=True, exist_ok=True)
    model = initialize_regressor(hidden=(config.hidden, config.hidden), loss=config.loss, optimizer="adam",
                                 seed=config.seed, weight_decay=config.weight_decay, lr=config.lr)
    with progress_bars() as progress:
        log = fit(model, config, data, progress, sine_metrics, "loss {train_loss:.4f}  val MAE {val_mae:.4f}")
    log.save(out / f"{config.name}.json")
    plot_sine(model, data, log, config, out / f"{config.name}.png")
    print(f"{config.label}: train loss {log.last('train_loss'):.4f}, val MAE {log.last('val_mae'):.4f}")
    print(f"wrote {out / config.name}.json and {out / config.name}.png")
    print(f"test MAE: {mean_absolute_error(model, data.test):.3f}")
    return 0


def _config(args):
    """The run's Config from the flags; a flag not given keeps the task's default."""
    given = {f.name: getattr(args, f.name) for f in fields(Config) if getattr(args, f.name) is not None}
    return replace(SINE if args.task == "sine" else Config(), **given)


def _not_implemented(error):
    """Name the unfilled region (the stub's message is its id) in one line; other cases keep the traceback."""
    region = str(error)
    match = re.fullmatch(r"(\w+):[\w.]+(#\d+)?", region)
    if match is None:
        raise error
    print(f"{PROG}: {region} is not implemented yet: fill its YOUR CODE region in "
          f"{PACKAGE}/{match.group(1)}.py", file=sys.stderr)
    return 1


def _checked(kind, ok, rule):
    """An argparse type: ``kind(text)``, refused unless ``ok(value)``, with a message that it must be ``rule``."""
    def parse(text):
        value = kind(text)
        if not ok(value):
            raise argparse.ArgumentTypeError(f"must be {rule}; got {text}")
        return value
    return parse


def _positive(kind):
    return _checked(kind, lambda v: v > 0, "positive")


def build_parser():
    d, s = Config(), SINE
    p = argparse.ArgumentParser(prog="train_ffnn.py", description="Train the two-layer network on Iris "
                                "(or, with --task sine, a regression of sin(x)).", fromfile_prefix_chars="@")
    # Defaults of None: the task decides (Iris's first, the sine's in the help).
    p.add_argument("--lr", type=_positive(float), help=f"learning rate (default {d.lr}; sine {s.lr})")
    p.add_argument("--hidden", type=_positive(int), help=f"hidden units (default {d.hidden}; sine {s.hidden} a layer)")
    p.add_argument("--epochs", type=_positive(int), help=f"epochs (default {d.epochs}; sine {s.epochs})")
    p.add_argument("--batch-size", type=_positive(int),
                   help=f"samples per batch (default {d.batch_size}; sine {s.batch_size})")
    p.add_argument("--momentum", type=_checked(float, lambda v: 0 <= v < 1, "in [0, 1)"), default=d.momentum,
                   help=f"SGD momentum (default {d.momentum})")
    p.add_argument("--seed", type=int, default=d.seed, help="seed of the initial weights and the shuffling "
                                                            f"(default {d.seed}); the split never changes")
    p.add_argument("--out", default="runs", help="output folder (default runs/)")
    p.add_argument("--sweep", nargs="*", type=_setting, metavar="SETTING",
                   help=f"train settings such as \"lr=0.1,hidden=16\" (alone: {len(SWEEP)} settings; @FILE: one "
                        "a line); write sweep.md, the curves and a report.md skeleton")
    p.add_argument("--weight-decay", type=_checked(float, lambda v: v >= 0, ">= 0"), default=0.0,
                   help="lambda of the L2 penalty lambda * sum ||W||^2 added to the loss (default 0: none)")
    p.add_argument("--task", choices=("iris", "sine"), default="iris",
                   help="iris (default): the classification; sine: the optional regression of sin(x)")
    p.add_argument("--loss", choices=("l1", "mse"),
                   help=f"the regression's loss, --task sine only (default {s.loss}: the mean absolute error)")
    return p


if __name__ == "__main__":
    sys.exit(main())
