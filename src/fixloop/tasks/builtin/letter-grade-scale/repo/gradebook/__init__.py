"""Course grading helpers."""

from gradebook.scale import grade_point_average, letter_grade

__all__ = ["grade_point_average", "letter_grade"]
