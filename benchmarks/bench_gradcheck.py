"""What a numeric-gradient check of a layer's ``dW`` costs, full and directional, and what it catches.

    python -m benchmarks.bench_gradcheck

For ``FullyConnected(H, "relu")`` on N = 64 inputs of D features, it prints the wall time of
``grad_check.check_gradient`` (median [min-max] of 5) in full mode (every entry, two forward passes each)
and in directional mode (16 random-sign directions, two passes each), the full check's time at 784 x 256
estimated from one forward pass (measuring it takes minutes), and, at 784 x 256, the relative error of a
correct ``dW`` and of one with a 1% error in its entry of median size, against the tolerance.
"""

import statistics

from autograder.reference.grad_check import TOLERANCE, check_gradient
from benchmarks.timing import seconds_of
from tests.test_grad_check_scaling import layer_and_gradients, typical_entry

SIZES = ((32, 16), (64, 64), (784, 256))
REPEATS = 5


def times(function, repeats=REPEATS):
    """The wall seconds of ``function()`` over ``repeats`` calls (no warm-up: a check has no cache to fill)."""
    return seconds_of(function, repeats, warm_up=False)


def spread(seconds):
    return f"{statistics.median(seconds):.4f} s [{min(seconds):.4f}-{max(seconds):.4f}]"


def main():
    print(f"check_gradient of dW, FullyConnected(H, relu), N = 64; tolerance {TOLERANCE:.0e}")
    for D, H in SIZES:
        layer, X, dY, _ = layer_and_gradients("relu", 0, D=D, H=H)
        W, dW = layer.parameters["W"], layer.gradients["W"]

        def f(_):
            return layer.forward(X)

        if W.size <= 4096:
            full = spread(times(lambda: check_gradient(f, W, dW, dY, max_full=W.size)))
        else:
            forward = statistics.median(times(lambda: f(W), 20))
            full = f"~{2 * W.size * forward:.0f} s, estimated ({2 * W.size} passes of {forward * 1e3:.2f} ms)"
        directional = spread(times(lambda: check_gradient(f, W, dW, dY, max_full=0)))
        print(f"  {D:4} x {H:<4} ({W.size:6} entries)  full {full:30}  directional {directional}")
    i, j = typical_entry(dW)
    wrong = dW.copy()
    wrong[i, j] *= 1.01
    correct, caught = check_gradient(f, W, dW, dY), check_gradient(f, W, wrong, dY)
    print(f"  784 x 256: correct dW {correct.error:.1e}; 1% in the entry of median size {caught.error:.1e} "
          f"({caught.error / TOLERANCE:.0f}x the tolerance; the correct one "
          f"{TOLERANCE / correct.error:.0f}x below)")


if __name__ == "__main__":
    main()
