import pytest

from gradebook import grade_point_average, letter_grade


def test_top_scores_get_an_a():
    assert letter_grade(95) == "A"
    assert letter_grade(100) == "A"


def test_lower_bound_belongs_to_the_letter():
    assert letter_grade(90) == "A"
    assert letter_grade(80) == "B"


def test_fractional_score_below_a_bound():
    assert letter_grade(89.5) == "B"


def test_sixties_get_a_d_and_below_fails():
    assert letter_grade(65) == "D"
    assert letter_grade(59.9) == "F"


def test_scores_outside_the_scale_are_rejected():
    with pytest.raises(ValueError):
        letter_grade(101)
    with pytest.raises(ValueError):
        letter_grade(-1)


def test_seventies_get_a_c():
    assert letter_grade(75) == "C"
    assert letter_grade(70) == "C"


def test_gpa_of_mixed_scores():
    assert grade_point_average([95, 85, 75, 65]) == 2.5


def test_gpa_without_seventies():
    assert grade_point_average([92, 84, 40]) == 2.33
