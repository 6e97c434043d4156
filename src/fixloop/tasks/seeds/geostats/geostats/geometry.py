"""Points, distances, boxes and polygons in the plane."""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    x: float
    y: float


def distance(a: Point, b: Point) -> float:
    """Straight-line distance between two points."""
    return math.hypot(b.x - a.x, b.y - a.y)


def manhattan(a: Point, b: Point) -> float:
    """Distance along the grid: horizontal plus vertical."""
    return abs(b.x - a.x) + abs(b.y - a.y)


def bounding_box(points: list[Point]) -> tuple[Point, Point]:
    """The lower-left and upper-right corners of the smallest box holding every point."""
    if not points:
        raise ValueError("no points")
    xs = [p.x for p in points]
    ys = [p.y for p in points]
    return Point(min(xs), min(ys)), Point(max(xs), max(ys))


def inside_box(point: Point, lower: Point, upper: Point) -> bool:
    """True when `point` lies in the box, edges included."""
    return lower.x <= point.x <= upper.x and lower.y <= point.y <= upper.y


def polygon_area(vertices: list[Point]) -> float:
    """The area of a simple polygon (shoelace formula), whichever way it winds."""
    if len(vertices) < 3:
        return 0.0
    twice_area = 0.0
    for index, current in enumerate(vertices):
        following = vertices[(index + 1) % len(vertices)]
        twice_area += current.x * following.y - following.x * current.y
    return abs(twice_area) / 2


def centroid(points: list[Point]) -> Point:
    """The mean position of the points."""
    count = len(points)
    return Point(sum(p.x for p in points) / count, sum(p.y for p in points) / count)


def path_length(points: list[Point], closed: bool = False) -> float:
    """The length of the path through `points` in order; back to the start when `closed`."""
    total = 0.0
    for index in range(1, len(points)):
        total += distance(points[index - 1], points[index])
    if closed and len(points) > 2:
        total += distance(points[-1], points[0])
    return total
