"""The command line: parse arguments, call one function of the API, print one line per problem.

Each verb imports what it uses when it runs, so that a command pays only for its own modules (the
handout's, the batch's, Gradescope's, rich's tables). The sandbox's fork server is started by
``__main__``, the process's entry point, for the verbs that grade, before this module is even imported;
``main`` called from other code leaves it to the first sandboxed run.
"""

import argparse
import importlib
import os
import sys

from . import sandbox
from .messages import LANGS, default_lang
from .paths import HANDOUT_DIR


class OutputError(Exception):
    """A file the TA asked for could not be written."""


def _handout(args):
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


def _grade(args):
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


def _demo(args):
    importlib.import_module("autograder.demo").run_demo()
    return 0


def _gradescope(args):
    try:
        members = importlib.import_module("autograder.gradescope").build_autograder_zip(args.out, lang=args.lang)
    except OSError as e:
        raise OutputError(f"cannot write {args.out} ({e.strerror or e})") from None
    print(f"wrote {args.out} ({len(members)} files, {os.path.getsize(args.out) / 1024:.0f} KiB)")
    return 0


def _gradescope_run(args):
    return importlib.import_module("autograder.gradescope").run_gradescope(args.root, timeout=args.timeout,
                                                                           lang=args.lang)


def _grade_all(args):
    batch = importlib.import_module("autograder.batch")
    try:
        result = batch.grade_all(args.dir, args.out, jobs=args.jobs, force=args.force, timeout=args.timeout,
                                 lang=args.lang)
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


def _daemon(args):
    from .daemon import client
    from .messages import default_lang, msg, text

    live = [(path, answer) for path in client.sockets() if (answer := client.ask(path, "status"))]
    if args.stop:
        stopped = sum(client.stop(path) for path, _ in live)
        print(text(msg("daemon:stopped", count=stopped), default_lang()))
        return 0
    for path, answer in live:
        print(f"{path}: {answer}")
    if not live:
        print(text(msg("daemon:none"), default_lang()))
    return 0


def _jobs(text):
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of jobs")
    return int(text)


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
    p.add_argument("--timeout", type=_seconds, default=sandbox.Limits.timeout,
                   help="wall-clock seconds allowed to each section's run (default: %(default)g)")
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
    p.set_defaults(run=_gradescope)
    p = verbs.add_parser("gradescope-run", help="what the zip's run_autograder runs: grade ROOT/submission "
                                                "into ROOT/results/results.json, whatever happens")
    p.add_argument("root", metavar="ROOT", help="Gradescope's /autograder, or a test's stand-in")
    p.add_argument("--timeout", type=_seconds, default=sandbox.Limits.timeout,
                   help="wall-clock seconds allowed to each section's run (default: %(default)g)")
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
    p.add_argument("--timeout", type=_seconds, default=sandbox.Limits.timeout,
                   help="wall-clock seconds allowed to each section's run (default: %(default)g)")
    p.add_argument("--lang", choices=LANGS, default=default_lang(),
                   help="language of the feedback, results.json and summary (default: from the locale, %(default)s)")
    p.set_defaults(run=_grade_all)
    p = verbs.add_parser("daemon", help="the grader daemon that makes `grade` fast: show it, or --stop it "
                                        "(NNHW_DAEMON=0: `grade` never starts it)")
    p.add_argument("--stop", action="store_true", help="stop every grader daemon of this user (each takes no "
                                                       "new command, and ends once those it runs have ended)")
    p.set_defaults(run=_daemon)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except Exception as e:
        if not isinstance(e, _one_line_errors()):
            raise
        print(f"autograder {args.verb}: error: {e}", file=sys.stderr)
        return 2


def _one_line_errors():
    """What a verb raises when it could not do its job for a reason the TA can act on: one line, exit 2.
    Imported here, when one was raised, so that no verb loads the modules that define the others'."""
    from make_submission import RegionError

    from .load import SubmissionError
    return RegionError, SubmissionError, OutputError, sandbox.SandboxError
