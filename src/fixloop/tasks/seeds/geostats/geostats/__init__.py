"""Plane geometry, descriptive statistics and unit conversion for small data sets."""

from geostats.geometry import Point, bounding_box, distance, polygon_area
from geostats.stats import mean, median, percentile, variance
from geostats.units import convert_length, convert_temperature

__all__ = [
    "Point",
    "bounding_box",
    "convert_length",
    "convert_temperature",
    "distance",
    "mean",
    "median",
    "percentile",
    "polygon_area",
    "variance",
]
