import numpy as np
import pytest
from numpy.testing import assert_allclose

from meam_mapping.errors import InputError
from meam_mapping.maps.classify import SCHEMES, classify, format_number


def test_quantiles_worked_example():
    # numpy's default (linear, Hyndman & Fan type 7) percentiles of 1..10 at
    # 20, 40, 60, 80, 100 % are 2.8, 4.6, 6.4, 8.2, 10 (1 + p * 9).
    c = classify(np.arange(1, 11), "quantiles", k=5)
    assert_allclose(c.bins, [2.8, 4.6, 6.4, 8.2, 10.0])
    assert c.classes.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert c.counts == (2, 2, 2, 2, 2)
    assert c.lower == 1.0
    assert c.labels[0] == "1.0 – 2.8"


def test_equal_interval_and_nan():
    c = classify([0, 2, 5, 7, 10, np.nan], "equal_interval", k=2)
    assert_allclose(c.bins, [5.0, 10.0])
    assert c.classes.tolist() == [0, 0, 0, 1, 1, -1]
    assert c.counts == (3, 2)


def test_user_defined_adds_maximum():
    c = classify([1, 2, 3, 4, 50], "user_defined", breaks=[2, 3])
    assert_allclose(c.bins, [2, 3, 50])
    assert c.counts == (2, 1, 2)
    with pytest.raises(InputError, match="needs break values"):
        classify([1, 2, 3], "user_defined")
    with pytest.raises(InputError, match="not usable"):
        classify([1, 2, 3], "user_defined", breaks=[3, 2])


def test_unknown_scheme_lists_valid_names():
    with pytest.raises(InputError) as err:
        classify([1, 2, 3], "jenks")
    for name in SCHEMES:
        assert name in err.value.message


def test_too_few_distinct_values_reduces_k_with_note():
    c = classify([1, 1, 2, 2, 2], "quantiles", k=5)
    assert c.k == 2
    assert "2 distinct" in c.note
    assert c.classes.tolist() == [0, 0, 1, 1, 1]
    single = classify([4, 4, 4], "fisher_jenks", k=3)
    assert single.k == 1 and single.labels == ("4.0",)


def test_all_missing_is_refused():
    with pytest.raises(InputError, match="no values"):
        classify([np.nan, np.nan])


@pytest.mark.parametrize("scheme", ["fisher_jenks", "natural_breaks"])
def test_clustered_values_split_at_gaps(scheme):
    values = [1.0, 1.1, 1.2, 10.0, 10.1, 20.0, 20.2]
    c = classify(values, scheme, k=3)
    assert_allclose(c.bins, [1.2, 10.1, 20.2])
    assert c.classes.tolist() == classify(values, scheme, k=3).classes.tolist()


def test_fisher_jenks_on_many_values_is_deterministic():
    rng = np.random.default_rng(4)
    values = np.concatenate([rng.normal(10, 1, 3000), rng.normal(30, 1, 3000)])
    a, b = classify(values, "fisher_jenks", k=2), classify(values, "fisher_jenks", k=2)
    assert a.bins == b.bins
    assert_allclose(a.counts, (3000, 3000), atol=30)  # breaks from 300 evenly spaced quantiles


def test_std_mean_breaks():
    values = np.array([0.0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    c = classify(values, "std_mean")
    sd = values.std(ddof=1)  # mapclassify's StdMean uses the sample standard deviation
    # mean - 2 sd is below the minimum (dropped); mean + 2 sd is above the
    # maximum (the last class ends at the maximum instead).
    assert_allclose(c.bins, [50 - sd, 50 + sd, 100])
    assert c.counts == (2, 7, 2)


def test_assign_matches_classes():
    rng = np.random.default_rng(1)
    values = rng.lognormal(2, 0.5, 200)
    c = classify(values, "quantiles", k=4)
    assert (c.assign(values) == c.classes).all()
    assert c.assign([-1e9, 1e9, np.nan]).tolist() == [0, 3, -1]


def test_format_number():
    assert format_number(12.04, step=6.5) == "12.0"
    assert format_number(1234.0, step=500) == "1,234"
    assert format_number(0.0123, step=0.004) == "0.0123"  # one figure finer than the gap
    assert format_number(0.0123) == "0.012"  # two significant figures without a step
