"""The typed outcome of a batch: one Row per entry of the class folder, and what the run did."""

from dataclasses import dataclass

from ..submitted_files import plural
from .entries import ERROR, GRADED, PENDING, SKIPPED


@dataclass(frozen=True)
class Row:
    """One entry and, when it was graded, its GradeReport (as read back from its report.json)."""

    entry: object
    report: object = None


@dataclass(frozen=True)
class BatchResult:
    """What ``grade_all`` did: the rows (sorted as the gradebook is), how many entries were graded in this
    run and how many were already done, the files written, and the run's wall-clock seconds."""

    rows: tuple
    graded_now: int
    reused: int
    written: tuple
    seconds: float

    def count(self, status):
        return sum(row.entry.status == status for row in self.rows)

    def summary_line(self):
        """One line for the TA: "12 entries: 9 graded (4 already done), 2 errors, 1 skipped in 5.1 s"."""
        errors, pending = self.count(ERROR), self.count(PENDING)
        return (f"{len(self.rows)} entries: {self.count(GRADED)} graded ({self.reused} already done), "
                f"{errors} {plural(errors, 'error')}, {self.count(SKIPPED)} skipped"
                f"{f', {pending} not graded yet' if pending else ''} in {self.seconds:.1f} s")
