import pytest

from routes import NoRoute, RoadNetwork, plan_trip


def county():
    network = RoadNetwork()
    network.add_road("Ashby", "Brook", 12)
    network.add_road("Ashby", "Corby", 45)
    network.add_road("Brook", "Dale", 10)
    network.add_road("Dale", "Corby", 9)
    network.add_road("Corby", "Eston", 20)
    network.add_road("Dale", "Fenwick", 40)
    network.add_road("Fenwick", "Eston", 5)
    network.add_place("Grange")
    return network


def test_trip_along_a_single_road():
    trip = plan_trip(county(), "Ashby", "Brook")
    assert trip.describe() == "Ashby -> Brook (12 min)\nTotal: 12 min"


def test_trip_to_the_same_place_has_no_legs():
    trip = plan_trip(county(), "Dale", "Dale")
    assert trip.legs == ()
    assert trip.total_minutes == 0


def test_unreachable_place_raises_no_route():
    with pytest.raises(NoRoute):
        plan_trip(county(), "Ashby", "Grange")


def test_one_way_road_is_not_driven_backwards():
    network = county()
    network.add_road("Grange", "Ashby", 5, one_way=True)
    with pytest.raises(NoRoute):
        plan_trip(network, "Ashby", "Grange")


def test_faster_detour_beats_direct_road():
    trip = plan_trip(county(), "Ashby", "Corby")
    assert trip.places == ["Ashby", "Brook", "Dale", "Corby"]
    assert trip.total_minutes == 31


def test_fastest_trip_across_the_county():
    trip = plan_trip(county(), "Ashby", "Eston")
    assert trip.places == ["Ashby", "Brook", "Dale", "Corby", "Eston"]
    assert trip.total_minutes == 51
