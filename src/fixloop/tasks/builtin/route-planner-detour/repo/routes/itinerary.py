"""Trips as a driver sees them: legs between places, and a printable summary."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from routes.network import RoadNetwork
from routes.shortest import fastest_route


@dataclass(frozen=True)
class Leg:
    origin: str
    destination: str
    minutes: int


@dataclass(frozen=True)
class Itinerary:
    start: str
    goal: str
    legs: tuple[Leg, ...]

    @property
    def total_minutes(self) -> int:
        return sum(leg.minutes for leg in self.legs)

    @property
    def places(self) -> list[str]:
        return [self.start, *(leg.destination for leg in self.legs)]

    def describe(self) -> str:
        """One line per leg, then the total, e.g. "Ashby -> Brook (12 min)"."""
        lines = [f"{leg.origin} -> {leg.destination} ({leg.minutes} min)" for leg in self.legs]
        lines.append(f"Total: {self.total_minutes} min")
        return "\n".join(lines)


def plan_trip(network: RoadNetwork, start: str, goal: str) -> Itinerary:
    """The fastest itinerary from `start` to `goal`.

    Raises UnknownPlace or NoRoute as `fastest_route` does.
    """
    _, places = fastest_route(network, start, goal)
    legs = tuple(
        Leg(origin, destination, network.minutes(origin, destination))
        for origin, destination in pairwise(places)
    )
    return Itinerary(start=start, goal=goal, legs=legs)
