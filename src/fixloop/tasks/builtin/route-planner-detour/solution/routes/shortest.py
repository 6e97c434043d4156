"""Fastest routes through a RoadNetwork."""

from __future__ import annotations

import heapq

from routes.network import RoadNetwork, UnknownPlace


class NoRoute(LookupError):
    """No sequence of roads leads from the start to the goal."""


def fastest_route(network: RoadNetwork, start: str, goal: str) -> tuple[int, list[str]]:
    """The quickest way from `start` to `goal`: (total minutes, places visited in order).

    The path includes both ends; a trip from a place to itself is (0, [start]).
    Raises UnknownPlace for places not in the network and NoRoute if `goal` is unreachable.
    """
    for place in (start, goal):
        if place not in network:
            raise UnknownPlace(place)
    best = {start: 0}
    came_from: dict[str, str] = {}
    frontier = [(0, start)]
    while frontier:
        minutes, place = heapq.heappop(frontier)
        if place == goal:
            return minutes, _path_to(goal, came_from)
        if minutes > best[place]:
            continue
        for neighbour, road_minutes in network.roads_from(place):
            arrival = minutes + road_minutes
            if arrival >= best.get(neighbour, arrival + 1):
                continue
            best[neighbour] = arrival
            came_from[neighbour] = place
            heapq.heappush(frontier, (arrival, neighbour))
    raise NoRoute(f"no route from {start!r} to {goal!r}")


def _path_to(goal: str, came_from: dict[str, str]) -> list[str]:
    path = [goal]
    while path[-1] in came_from:
        path.append(came_from[path[-1]])
    path.reverse()
    return path
