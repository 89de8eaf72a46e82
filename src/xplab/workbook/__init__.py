"""The workbook mechanism: checked exercises and the solutions → workbook build."""

from .exercise import Exercise, Feedback, Note, Status, compare

__all__ = ["Exercise", "Feedback", "Note", "Status", "compare"]
