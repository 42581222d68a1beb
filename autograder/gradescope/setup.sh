#!/usr/bin/env bash
# Gradescope runs this once, as root and with the network, when it builds the autograder's image.
# It makes a virtualenv at $ROOT/venv with Python >= 3.11 and the pinned requirements. The venv lives
# outside $ROOT/source because run_autograder makes source/ unreadable to the graded code, which still
# needs the interpreter and NumPy; and a venv is not refused by Ubuntu's "externally managed" Python.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
VENV="$ROOT/venv"

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q python3 python3-venv
PYTHON=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    # Ubuntu 22.04's python3 is 3.10; the grader needs 3.11 (and the pinned NumPy does too).
    apt-get install -y -q python3.11 python3.11-venv
    PYTHON=python3.11
fi

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --no-cache-dir --disable-pip-version-check -r "$ROOT/source/requirements.txt"
# Every submission runs in a fresh container made from this image: bytecode compiled here is read by each
# run, which would otherwise compile the grader's ~40 modules again (~70 ms a submission).
"$VENV/bin/python" -m compileall -q "$ROOT/source"
# The sandbox runs the graded code as another uid, with this venv's interpreter and NumPy.
chmod -R a+rX "$VENV"
chmod o+x "$ROOT"
