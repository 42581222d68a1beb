"""Run every ``benchmarks/bench_*.py`` module's ``main()``, in name order."""

import importlib
import pkgutil

import benchmarks


def main() -> None:
    for module in sorted(info.name for info in pkgutil.iter_modules(benchmarks.__path__)):
        if module.startswith("bench_"):
            print(f"== benchmarks.{module}")
            importlib.import_module(f"benchmarks.{module}").main()


if __name__ == "__main__":
    main()
