"""``build_prairielearn(out)``: what a course adds to its PrairieLearn repository to grade hw1.

::

    OUT/Dockerfile                      the grading image: FROM python:3.11-slim, the pinned requirements
    OUT/requirements.txt                what the Dockerfile installs (numpy and rich, pinned)
    OUT/info.json                       the question's externalGradingOptions (image, entrypoint, ...)
    OUT/serverFilesCourse/nnhw/run.sh   the entrypoint: grades /grade/student into /grade/results
    OUT/serverFilesCourse/nnhw/...      the grader with the reference, and settings.json

The same working tree gives the same bytes.
"""

import json
from pathlib import Path

from regions import write_atomically

from ..gradescope.build import REQUIREMENTS, grader_files

BASE_IMAGE = "python:3.11-slim"
FOLDER = "nnhw"                   # under the course's serverFilesCourse/
ENTRYPOINT = "run.sh"
TIMEOUT = 60                      # seconds PrairieLearn allows a job: five sections, each within its own limit
DOCKERFILE = f"""\
# The image of the nnhw grader on PrairieLearn. PrairieLearn pulls only public images, so this one holds no
# secret: Python and the grader's pinned requirements. The grader (with the reference solution) is in the
# course's serverFilesCourse/{FOLDER}/, which PrairieLearn copies into /grade for each job.
#   docker build --platform linux/amd64 -t ACCOUNT/nnhw-grader:1 . && docker push ACCOUNT/nnhw-grader:1
FROM {BASE_IMAGE}
COPY {REQUIREMENTS} /tmp/{REQUIREMENTS}
RUN python -m pip install --no-cache-dir --disable-pip-version-check -r /tmp/{REQUIREMENTS} \\
    && rm /tmp/{REQUIREMENTS}
"""


def course_files(lang="en"):
    """``{path under OUT: (bytes, permission bits)}``."""
    files = {f"serverFilesCourse/{FOLDER}/{name}": item for name, item in grader_files(lang).items()}
    files[f"serverFilesCourse/{FOLDER}/{ENTRYPOINT}"] = ((Path(__file__).parent / ENTRYPOINT).read_bytes(), 0o755)
    files[REQUIREMENTS] = files[f"serverFilesCourse/{FOLDER}/{REQUIREMENTS}"]
    files["Dockerfile"] = (DOCKERFILE.encode("utf-8"), 0o644)
    options = {"enabled": True, "image": "ACCOUNT/nnhw-grader:1", "serverFilesCourse": [f"{FOLDER}/"],
               "entrypoint": f"/grade/serverFilesCourse/{FOLDER}/{ENTRYPOINT}", "timeout": TIMEOUT}
    files["info.json"] = (json.dumps({"externalGradingOptions": options}, indent=2).encode("utf-8") + b"\n", 0o644)
    return files


def build_prairielearn(out, lang="en"):
    """Write the course's files into the folder ``out``; returns their paths under it, sorted. ``lang``:
    the language of the results students see. Raises OSError when ``out`` cannot be written."""
    out, files = Path(out), course_files(lang)
    for rel, (data, mode) in sorted(files.items()):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        write_atomically(out / rel, data)
        (out / rel).chmod(mode)
    return sorted(files)
