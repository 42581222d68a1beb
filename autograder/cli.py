"""The command line: parse arguments, call one function of the API, print one line per problem."""

import argparse
import importlib
import sys

from make_submission import RegionError

from . import handout
from .load import SubmissionError
from .paths import HANDOUT_DIR
from .sandbox import Limits, SandboxError
from .render import render_terminal, write_feedback, write_results_json


class OutputError(Exception):
    """A file the TA asked for could not be written."""


def _handout(args):
    if args.check:
        changed = handout.drift(args.out)
        for rel in changed:
            print(f"autograder handout: {args.out}/{rel} differs from the reference; "
                  f"run `python -m autograder handout`", file=sys.stderr)
        return 1 if changed else 0
    if args.zip:
        handout.build_zip(args.zip)
        print(f"wrote {args.zip}")
        return 0
    files = handout.write(args.out)
    print(f"wrote {args.out}/: {len(files)} files")
    return 0


def _grade(args):
    # Looked up at call time: the grading core is its own module, and tests put a fake one in its place.
    report = importlib.import_module("autograder.grade").grade(args.path, timeout=args.timeout)
    # Files first: a table piped into `head` must not cost the TA the results.json.
    written, failure = [], None
    for path, write in ((args.json, write_results_json), (args.feedback, write_feedback)):
        if path:
            try:
                write(report, path)
                written.append(path)
            except OSError as e:
                failure = failure or OutputError(f"cannot write {path} ({e.strerror or e})")
    render_terminal(report)
    for path in written:
        print(f"wrote {path}")
    if failure:
        raise failure
    return 0


def _demo(args):
    importlib.import_module("autograder.demo").run_demo()
    return 0


def _seconds(text):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m autograder", description="nnhw's autograder")
    verbs = parser.add_subparsers(dest="verb", required=True)
    p = verbs.add_parser("handout", help="generate hw1_student/ from the reference (or --check, --zip)")
    p.add_argument("--out", default=str(HANDOUT_DIR), help="the handout folder (default: hw1_student/)")
    p.add_argument("--check", action="store_true", help="exit 1, naming each file, if the handout drifted")
    p.add_argument("--zip", metavar="PATH", help="build the students' zip at PATH")
    p.set_defaults(run=_handout)
    p = verbs.add_parser("grade", help="grade one submission: a package folder, an upload folder, a zip "
                                       "or a submission.md")
    p.add_argument("path", metavar="PATH", help="the submission to grade")
    p.add_argument("--json", metavar="FILE", help="also write Gradescope's results.json to FILE")
    p.add_argument("--feedback", metavar="FILE", help="also write the student's feedback (markdown) to FILE")
    p.add_argument("--timeout", type=_seconds, default=Limits.timeout,
                   help="wall-clock seconds allowed to each section's run (default: %(default)g)")
    p.set_defaults(run=_grade)
    p = verbs.add_parser("demo", help="grade the example submissions in examples/ (what `make demo` runs)")
    p.set_defaults(run=_demo)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (RegionError, SubmissionError, OutputError, SandboxError) as e:
        print(f"autograder {args.verb}: error: {e}", file=sys.stderr)
        return 2
