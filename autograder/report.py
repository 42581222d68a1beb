"""The typed result of grading one submission. Every output format renders a ``GradeReport``."""

from dataclasses import dataclass, field

# A check's status. "not implemented" and the sandbox's endings are reported by name, never as tracebacks.
PASSED, FAILED, NOT_IMPLEMENTED, ERROR = "passed", "failed", "not implemented", "error"
# A section's child ending when no child was needed (every region of the section unfilled).
NOT_RUN = "not run"


@dataclass(frozen=True)
class CheckResult:
    """One check of one section, e.g. ReLU / "backward matches the reference".

    ``reason`` is one line saying what was expected and what came back ("" when passed); ``diagnosis``
    names the known mistake that reproduces the student's output, when one does.
    """

    section: str
    name: str
    points: float
    max_points: float
    status: str
    reason: str = ""
    diagnosis: str | None = None

    @property
    def title(self):
        """``"<section>: <check>"``, the name Gradescope shows."""
        return f"{self.section}: {self.name}"


@dataclass(frozen=True)
class SectionResult:
    """The checks of one section and how its sandboxed child ended (``"ok"``, ``"timed out after 10 s"``, ...)."""

    name: str
    max_points: float
    checks: tuple
    child: str = "ok"
    seconds: float = field(default=0.0, compare=False)

    @property
    def points(self):
        return round(sum(c.points for c in self.checks), 6)

    @property
    def ended_abnormally(self):
        """The section's child hung, crashed or exited early: worth a line of its own in every output."""
        return self.child not in ("ok", NOT_RUN)


@dataclass(frozen=True)
class GradeReport:
    """Everything the grader found about one submission.

    ``notices`` are submission-level lines for the student and the TA (code changed outside the regions
    and ignored, a region that could not be read, ...). ``execution_time`` is the only field that
    differs between two gradings of the same submission.
    """

    submission: str
    sections: tuple
    notices: tuple = ()
    student_name: str | None = None
    student_id: str | None = None
    execution_time: float = field(default=0.0, compare=False)

    @property
    def score(self):
        return round(sum(s.points for s in self.sections), 6)

    @property
    def max_score(self):
        return round(sum(s.max_points for s in self.sections), 6)

    @property
    def checks(self):
        return [c for s in self.sections for c in s.checks]
