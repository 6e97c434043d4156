"""A road network: places joined by roads that take a whole number of minutes to drive."""

from __future__ import annotations

from collections.abc import Iterator


class UnknownPlace(KeyError):
    """A place that is not in the network."""


class RoadNetwork:
    """Places and the roads between them. Roads are two-way unless added as one-way."""

    def __init__(self) -> None:
        self._roads: dict[str, dict[str, int]] = {}

    def add_place(self, place: str) -> None:
        self._roads.setdefault(place, {})

    def add_road(self, a: str, b: str, minutes: int, one_way: bool = False) -> None:
        """Add a road from `a` to `b` (and back, unless `one_way`).

        If a road between the two already exists, the faster one is kept.
        Raises ValueError for a non-positive driving time.
        """
        if minutes <= 0:
            raise ValueError("a road must take at least one minute")
        self._connect(a, b, minutes)
        if one_way:
            self.add_place(b)
        else:
            self._connect(b, a, minutes)

    def roads_from(self, place: str) -> Iterator[tuple[str, int]]:
        """(neighbour, minutes) for each road leaving `place`, in the order they were added."""
        if place not in self._roads:
            raise UnknownPlace(place)
        yield from self._roads[place].items()

    def minutes(self, a: str, b: str) -> int:
        """Driving time of the direct road from `a` to `b`. Raises KeyError if there is none."""
        return self._roads[a][b]

    def __contains__(self, place: object) -> bool:
        return place in self._roads

    def _connect(self, a: str, b: str, minutes: int) -> None:
        self.add_place(a)
        known = self._roads[a].get(b)
        self._roads[a][b] = minutes if known is None else min(known, minutes)
