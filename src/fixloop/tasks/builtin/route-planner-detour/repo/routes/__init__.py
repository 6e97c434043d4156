"""Plan the fastest trip across a road network."""

from routes.itinerary import Itinerary, Leg, plan_trip
from routes.network import RoadNetwork, UnknownPlace
from routes.shortest import NoRoute

__all__ = ["Itinerary", "Leg", "NoRoute", "RoadNetwork", "UnknownPlace", "plan_trip"]
