"""The typed result of grading one submission. Every output format renders a ``GradeReport``.

Words are ``messages.Msg`` values (a catalogue key and its arguments), rendered in the reader's language
by the renderers; ``str(msg)`` is the English.
"""

from dataclasses import dataclass, field

from .sandbox.outcome import OK, Ending

# A check's status: one of these, or the section's run's ``Ending`` when the run ended before the check's
# results came back. "not implemented" and the sandbox's endings are reported by name, never as tracebacks.
# NOTE: a note of the rubric (0 points, beyond what the homework asks) that did not pass: advice, not a loss.
PASSED, FAILED, NOT_IMPLEMENTED, ERROR, NOTE = "passed", "failed", "not implemented", "error", "note"
# A section's ``child`` when no run was needed (every region of the section unfilled).
NOT_RUN = None


@dataclass(frozen=True)
class ArraySummary:
    """What a student is shown of one array: ``shape`` "(6, 3)", ``dtype`` "float64", the first few
    ``values`` "[0.12, -0.5, 1.3, …]" (formatted)."""

    shape: str
    dtype: str
    values: str


@dataclass(frozen=True)
class Evidence:
    """The first output of a failed check that differs: which one (``label``), the shapes of the inputs
    it was computed from (``(("X", "(6, 4)"), ...)``), the expected and received summaries and the largest
    absolute difference ("" when the shapes differ or a value is not finite)."""

    label: object
    inputs: tuple
    expected: ArraySummary
    received: ArraySummary
    max_error: str = ""


@dataclass(frozen=True)
class Location:
    """The student's region a failed check points at: its id, some of its lines (``code``, the first of
    them line ``first`` of the region), and the 1-based line of the region that most likely holds the
    mistake (None when no one line can be pointed at)."""

    region: str
    code: tuple
    line: int | None = None
    first: int = 1


@dataclass(frozen=True)
class CheckResult:
    """One check of one section, e.g. ReLU / "backward matches the reference".

    ``reason`` says what was expected and what came back ("" when passed); ``diagnosis`` names the known
    mistake that reproduces the student's output, when one does; ``consistency`` says, for a failed
    backward check, whether the backward agrees with central differences of the student's own forward.
    """

    section: str
    name: str
    points: float
    max_points: float
    status: str
    reason: object = ""
    diagnosis: object = None
    consistency: object = None
    evidence: Evidence | None = None
    location: Location | None = None

    @property
    def title(self):
        """``"<section>: <check>"``, the name Gradescope shows."""
        return f"{self.section}: {self.name}"


@dataclass(frozen=True)
class SectionResult:
    """The checks of one section and how its sandboxed run ended: an ``Ending`` (``messages.ending`` words
    it), or ``NOT_RUN``."""

    name: str
    max_points: float
    checks: tuple
    child: Ending | None = Ending(OK, code=0)
    seconds: float = field(default=0.0, compare=False)

    @property
    def points(self):
        return round(sum(c.points for c in self.checks), 6)

    @property
    def ended_abnormally(self):
        """The section's run hung, crashed or exited early: worth a line of its own in every output."""
        return self.child is not NOT_RUN and not self.child.ok


def zero_section(section, status, reason, child=NOT_RUN, seconds=0.0):
    """The ``rubric.Section`` with every check at 0 points, for one ``reason``."""
    checks = tuple(CheckResult(section.name, c.name, 0.0, c.points, status, reason) for c in section.checks)
    return SectionResult(section.name, section.points, checks, child, seconds)


@dataclass(frozen=True)
class GradeReport:
    """Everything the grader found about one submission.

    ``notices`` are submission-level lines for the student and the TA (code changed outside the regions
    and ignored, a region that could not be read, ...). ``isolation`` and ``flags`` are for the TA alone:
    the terminal and the gradebook show them, the student's files do not; ``flags`` are Msgs of what a
    TA should look at ("loaded code in ReLU", "slow: 27.4 s of its 30 s").
    """

    submission: str
    sections: tuple
    notices: tuple = ()
    student_name: str | None = None
    student_id: str | None = None
    execution_time: float = field(default=0.0, compare=False)
    isolation: str = ""        # for the TA only: how a reduced sandbox confined the code ("" when fully)
    flags: tuple = field(default=(), compare=False)     # a slow flag's seconds differ between gradings

    @property
    def score(self):
        return round(sum(s.points for s in self.sections), 6)

    @property
    def max_score(self):
        return round(sum(s.max_points for s in self.sections), 6)

    @property
    def checks(self):
        return [c for s in self.sections for c in s.checks]
