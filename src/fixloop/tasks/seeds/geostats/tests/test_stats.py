import pytest
from geostats.stats import histogram, mean, median, percentile, stdev, variance


def test_mean_of_a_few_values():
    assert mean([1, 2, 3, 6]) == 3


def test_mean_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        mean([])


def test_median_of_an_odd_count_is_the_middle_value():
    assert median([7, 1, 3]) == 3


def test_median_of_an_even_count_averages_the_middle_pair():
    assert median([4, 1, 3, 10]) == 3.5


def test_sample_variance_divides_by_n_minus_one():
    assert variance([2, 4, 4, 4, 5, 5, 7, 9]) == pytest.approx(32 / 7)


def test_population_variance_divides_by_n():
    assert variance([2, 4, 4, 4, 5, 5, 7, 9], sample=False) == 4


def test_sample_variance_of_one_value_is_an_error():
    with pytest.raises(ValueError):
        variance([3])


def test_stdev_is_the_root_of_the_variance():
    assert stdev([2, 4, 4, 4, 5, 5, 7, 9], sample=False) == 2


def test_percentile_interpolates_between_values():
    assert percentile([10, 20, 30, 40], 50) == 25


def test_percentile_extremes_are_min_and_max():
    assert percentile([3, 1, 2], 0) == 1
    assert percentile([3, 1, 2], 100) == 3


def test_percentile_rejects_a_rank_over_100():
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


def test_histogram_counts_values_per_bin():
    assert histogram([0, 1, 2.5, 5, 9.9], bins=2, low=0, high=10) == [3, 1 + 1]


def test_histogram_ignores_values_outside_the_range():
    assert histogram([-1, 0, 10, 4], bins=5, low=0, high=10) == [1, 0, 1, 0, 0]
