"""The command line: parse arguments, call one function of the API, print one line per problem."""

import argparse
import sys

from make_submission import RegionError

from . import handout
from .paths import HANDOUT_DIR


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


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m autograder", description="nnhw's autograder")
    verbs = parser.add_subparsers(dest="verb", required=True)
    p = verbs.add_parser("handout", help="generate hw1_student/ from the reference (or --check, --zip)")
    p.add_argument("--out", default=str(HANDOUT_DIR), help="the handout folder (default: hw1_student/)")
    p.add_argument("--check", action="store_true", help="exit 1, naming each file, if the handout drifted")
    p.add_argument("--zip", metavar="PATH", help="build the students' zip at PATH")
    p.set_defaults(run=_handout)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except RegionError as e:
        print(f"autograder {args.verb}: error: {e}", file=sys.stderr)
        return 2
