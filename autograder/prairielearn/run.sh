#!/usr/bin/env bash
# PrairieLearn's entrypoint for hw1: it runs this as root, in a fresh container of the question's image,
# with the student's files in $ROOT/student. It grades them into $ROOT/results/results.json; the work is
# done in Python (autograder/prairielearn/run.py), which writes a results.json whatever happens.
# The project's tests set GRADE_ROOT (a temporary /grade) and PYTHON (their own interpreter).
set -euo pipefail
ROOT="${GRADE_ROOT:-/grade}"
PYTHON="${PYTHON:-python3}"
GRADER="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The graded code runs under another uid: it must not read the reference solution, nor write the results.
chmod -R go-rwx "$GRADER"
mkdir -p "$ROOT/results"
chmod go-w "$ROOT/results"

cd "$GRADER"
exec "$PYTHON" -m autograder prairielearn-run "$ROOT" "$@" 2>&1
