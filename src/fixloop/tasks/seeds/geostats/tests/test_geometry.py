import pytest
from geostats.geometry import (
    Point,
    bounding_box,
    centroid,
    distance,
    inside_box,
    manhattan,
    path_length,
    polygon_area,
)

SQUARE = [Point(0, 0), Point(4, 0), Point(4, 4), Point(0, 4)]


def test_distance_of_a_3_4_5_triangle():
    assert distance(Point(1, 1), Point(4, 5)) == 5


def test_manhattan_adds_both_axes():
    assert manhattan(Point(1, 5), Point(4, 1)) == 7


def test_bounding_box_spans_all_points():
    assert bounding_box([Point(3, -1), Point(-2, 4), Point(0, 0)]) == (Point(-2, -1), Point(3, 4))


def test_bounding_box_of_no_points_is_an_error():
    with pytest.raises(ValueError):
        bounding_box([])


def test_inside_box_includes_the_edges():
    assert inside_box(Point(4, 2), Point(0, 0), Point(4, 4))


def test_a_point_beside_the_box_is_outside():
    assert not inside_box(Point(5, 2), Point(0, 0), Point(4, 4))
    assert not inside_box(Point(2, -1), Point(0, 0), Point(4, 4))


def test_polygon_area_of_a_square():
    assert polygon_area(SQUARE) == 16


def test_polygon_area_ignores_winding_direction():
    assert polygon_area(SQUARE[::-1]) == 16


def test_polygon_area_of_a_right_triangle():
    assert polygon_area([Point(0, 0), Point(6, 0), Point(0, 3)]) == 9


def test_fewer_than_three_vertices_have_no_area():
    assert polygon_area([Point(0, 0), Point(1, 1)]) == 0


def test_centroid_of_a_square_is_its_centre():
    assert centroid(SQUARE) == Point(2, 2)


def test_path_length_follows_the_points_in_order():
    assert path_length([Point(0, 0), Point(3, 4), Point(3, 10)]) == 11


def test_a_closed_path_returns_to_the_start():
    assert path_length(SQUARE, closed=True) == 16
