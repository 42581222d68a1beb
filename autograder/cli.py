"""The command line: parse arguments, call one function of the API, print one line per problem.

Each verb imports what it uses when it runs, so that a command pays only for its own modules. The
sandbox's fork server is started by ``__main__`` for the verbs that grade, before this module is imported;
``main`` called from other code leaves it to the first sandboxed run.
"""

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from . import sandbox
from .messages import LANGS, default_lang
from .paths import HANDOUT_DIR

# Gradescope's visibility values (``render.gradescope.VISIBILITIES``, not imported: the CLI stays light).
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")


class OutputError(Exception):
    """A file the TA asked for could not be written."""


def _handout(args: argparse.Namespace) -> int:
    from . import handout

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


def _grade(args: argparse.Namespace) -> int:
    # Looked up at call time: the grading core is its own module, and tests put a fake one in its place.
    report = importlib.import_module("autograder.grade").grade(args.path, timeout=args.timeout)
    from .render import render_terminal, write_feedback, write_results_json     # rich: once there is a report
    # Files first: a table piped into `head` must not cost the TA the results.json.
    written, failure = [], None
    for path, write in ((args.json, write_results_json), (args.feedback, write_feedback)):
        if path:
            try:
                write(report, path, lang=args.lang)
                written.append(path)
            except OSError as e:
                failure = failure or OutputError(f"cannot write {path} ({e.strerror or e})")
    render_terminal(report, lang=args.lang)
    for path in written:
        print(f"wrote {path}")
    if failure:
        raise failure
    return 0


def _demo(args: argparse.Namespace) -> int:
    importlib.import_module("autograder.demo").run_demo()
    return 0


def _gradescope(args: argparse.Namespace) -> int:
    try:
        members = importlib.import_module("autograder.gradescope").build_autograder_zip(
            args.out, lang=args.lang, visibility=args.visibility)
    except OSError as e:
        raise OutputError(f"cannot write {args.out} ({e.strerror or e})") from None
    print(f"wrote {args.out} ({len(members)} files, {os.path.getsize(args.out) / 1024:.0f} KiB)")
    return 0


def _gradescope_run(args: argparse.Namespace) -> int:
    return importlib.import_module("autograder.gradescope").run_gradescope(args.root, timeout=args.timeout,
                                                                           lang=args.lang)


def _prairielearn(args: argparse.Namespace) -> int:
    try:
        files = importlib.import_module("autograder.prairielearn").build_prairielearn(args.out, lang=args.lang)
    except OSError as e:
        raise OutputError(f"cannot write {e.filename or args.out} ({e.strerror or e})") from None
    print(f"wrote {args.out}/: {len(files)} files (Dockerfile, info.json, serverFilesCourse/nnhw/)")
    return 0


def _prairielearn_run(args: argparse.Namespace) -> int:
    return importlib.import_module("autograder.prairielearn").run_prairielearn(args.root, timeout=args.timeout,
                                                                               lang=args.lang)


def _grade_all(args: argparse.Namespace) -> int:
    batch = importlib.import_module("autograder.batch")
    try:
        result = batch.grade_all(args.dir, args.out, jobs=args.jobs, force=args.force, timeout=args.timeout,
                                 lang=args.lang, only=args.only, threshold=args.similarity_threshold)
    except OSError as e:
        raise OutputError(f"cannot write {e.filename or args.out} ({e.strerror or e})") from None
    except KeyboardInterrupt:
        print(f"autograder grade-all: interrupted; what was graded is saved in {args.out}: run the same "
              f"command again to go on", file=sys.stderr)
        return 130
    print(result.summary_line())
    for path in result.written:
        print(f"wrote {path}")
    print(f"results.json and feedback.md for each student: {args.out}/<student id>/")
    return 0


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of jobs")
    return int(text)


def _number(text: str, allowed, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not allowed(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value


def _fraction(text: str) -> float:
    return _number(text, lambda v: 0 <= v <= 1, "a number from 0 to 1")


def _seconds(text: str) -> float:
    return _number(text, lambda v: v > 0, "a positive number of seconds")


def _add_timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=_seconds, default=sandbox.Limits.timeout,
                        help="wall-clock seconds allowed to each section's run (default: %(default)g)")


def build_parser() -> argparse.ArgumentParser:
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
    _add_timeout(p)
    p.add_argument("--lang", choices=LANGS, default=default_lang(),
                   help="language of the table, results.json and feedback (default: from the locale, "
                        "%(default)s)")
    p.set_defaults(run=_grade)
    p = verbs.add_parser("demo", help="grade the example submissions in examples/ (what `make demo` runs)")
    p.set_defaults(run=_demo)
    p = verbs.add_parser("gradescope", help="build the Gradescope autograder zip (setup.sh, run_autograder, "
                                            "the grader with the reference)")
    p.add_argument("--out", default="autograder.zip", help="the zip to write (default: %(default)s)")
    p.add_argument("--lang", choices=LANGS, default="en",
                   help="language of the results students see on Gradescope (default: %(default)s)")
    p.add_argument("--visibility", choices=VISIBILITIES, default="visible",
                   help="when students see the tests, their points and feedback: Gradescope's `visibility` "
                        "(default: %(default)s)")
    p.set_defaults(run=_gradescope)
    p = verbs.add_parser("prairielearn", help="write PrairieLearn's external grader into OUT: the image's "
                                              "Dockerfile, info.json, serverFilesCourse/nnhw/ (its entrypoint)")
    p.add_argument("--out", required=True, metavar="OUT", help="the folder to write into")
    p.add_argument("--lang", choices=LANGS, default="en",
                   help="language of the results students see on PrairieLearn (default: %(default)s)")
    p.set_defaults(run=_prairielearn)
    p = verbs.add_parser("prairielearn-run", help="what the entrypoint runs: grade ROOT/student into "
                                                  "ROOT/results/results.json, whatever happens")
    p.add_argument("root", metavar="ROOT", help="PrairieLearn's /grade, or a test's stand-in")
    _add_timeout(p)
    p.add_argument("--lang", choices=LANGS, default=None,
                   help="language of results.json (default: the one the files were built for)")
    p.set_defaults(run=_prairielearn_run)
    p = verbs.add_parser("gradescope-run", help="what the zip's run_autograder runs: grade ROOT/submission "
                                                "into ROOT/results/results.json, whatever happens")
    p.add_argument("root", metavar="ROOT", help="Gradescope's /autograder, or a test's stand-in")
    _add_timeout(p)
    p.add_argument("--lang", choices=LANGS, default=None,
                   help="language of results.json (default: the one the zip was built for)")
    p.set_defaults(run=_gradescope_run)
    p = verbs.add_parser("grade-all", help="grade a class: every submission in DIR, into OUT (gradebook.csv, "
                                           "summary.md, results and feedback per student); resumable")
    p.add_argument("dir", metavar="DIR", help="the folder holding the class's submissions")
    p.add_argument("--out", required=True, metavar="OUT", help="the folder to write the results into")
    p.add_argument("-j", "--jobs", type=_jobs, default=None,
                   help="submissions graded at once (default: the number of CPUs)")
    p.add_argument("--force", action="store_true", help="grade again the students already graded in OUT")
    _add_timeout(p)
    p.add_argument("--lang", choices=LANGS, default=default_lang(),
                   help="language of the feedback, results.json and summary (default: from the locale, %(default)s); "
                        "another language regrades nothing")
    p.add_argument("--only", action="append", metavar="ID",
                   help="grade again only the student with this id (repeatable); the rest is kept as it is")
    p.add_argument("--similarity-threshold", type=_fraction, default=None, metavar="S",
                   help="list in similarity.csv the pairs of students whose code is at least this similar, "
                        "from 0 to 1 (default: the one calibrated on honest solutions; see the README)")
    p.set_defaults(run=_grade_all)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except Exception as e:
        if not isinstance(e, _one_line_errors()):
            raise
        print(f"autograder {args.verb}: error: {e}", file=sys.stderr)
        return 2


def _one_line_errors() -> tuple[type[Exception], ...]:
    """What a verb raises when it could not do its job for a reason the TA can act on: one line, exit 2.
    Imported here, when one was raised, so that no verb loads the modules that define the others'."""
    from regions import RegionError

    from .load import SubmissionError
    return RegionError, SubmissionError, OutputError, sandbox.SandboxError
