"""nnhw's autograder: the hidden reference, the handout generator, and trusted grading.

``make_submission`` (the kit's one region parser) lives at the repository root so that students have it
too; it is imported from there.
"""

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:          # `python -m autograder` from another folder still finds it
    sys.path.insert(0, str(REPO_ROOT))
