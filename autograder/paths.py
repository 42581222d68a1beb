"""Where the kit's parts live, relative to the repository root."""

from . import REPO_ROOT

REFERENCE_DIR = REPO_ROOT / "autograder" / "reference"
HANDOUT_DIR = REPO_ROOT / "hw1_student"
STUDENT_README = REPO_ROOT / "README_STUDENT.md"
# Files a student receives beside the package, by their name in the kit.
KIT_FILES = ("check_gradients.ipynb", "train_ffnn.py", "make_submission.py", "regions.py", "loop_check.py",
             "self_check.py")
