"""Grade a whole class: ``grade_all(folder, out) -> BatchResult``.

``entries`` finds the submissions and whose they are; ``store`` keeps each student's results in OUT and
says which are done; ``run`` grades in parallel with a progress bar; ``gradebook`` and ``summary`` are
rebuilt from the stored reports at the end of every run.
"""

from .result import BatchResult, Row
from .run import grade_all

__all__ = ["grade_all", "BatchResult", "Row"]
