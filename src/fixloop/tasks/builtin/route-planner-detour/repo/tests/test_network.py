import pytest

from routes import RoadNetwork, UnknownPlace


def test_two_way_road_can_be_driven_both_ways():
    network = RoadNetwork()
    network.add_road("Ashby", "Brook", 12)
    assert network.minutes("Ashby", "Brook") == network.minutes("Brook", "Ashby") == 12


def test_duplicate_road_keeps_the_faster_one():
    network = RoadNetwork()
    network.add_road("Ashby", "Brook", 12)
    network.add_road("Brook", "Ashby", 9)
    assert network.minutes("Ashby", "Brook") == 9


def test_roads_from_unknown_place_raises():
    with pytest.raises(UnknownPlace):
        list(RoadNetwork().roads_from("Nowhere"))
