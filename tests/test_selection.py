import numpy as np
import pytest

from vaessl_lib import VaesslError
from vaessl_lib.selection import choice_frequencies, pack_correct, standard_error, unpack_correct


def test_packed_results_round_trip():
    rng = np.random.default_rng(0)
    bits = rng.random(10_001) < 0.9
    text = pack_correct(bits)
    assert len(text) < 1800 and np.array_equal(unpack_correct(text, len(bits)), bits)
    with pytest.raises(VaesslError, match="fewer"):
        unpack_correct(text, 20_000)


def test_a_clearly_better_candidate_wins_on_large_subsets_but_not_always_on_small_ones():
    rng = np.random.default_rng(1)
    a, b = rng.random(10_000) < 0.90, rng.random(10_000) < 0.87      # 3 points apart
    freq_big, regret_big = choice_frequencies([b, a], 5_000, draws=300)
    freq_small, regret_small = choice_frequencies([b, a], 100, draws=300)
    assert freq_big[1] == 1.0 and regret_big == 0.0
    assert 0.5 < freq_small[1] < 1.0 and regret_small > 0                 # 100 images: a noisy choice
    assert freq_small.sum() == pytest.approx(1.0)


def test_ties_go_to_the_first_candidate():
    same = np.ones(50, dtype=bool)
    freq, regret = choice_frequencies([same, same], 10, draws=20)
    assert freq.tolist() == [1.0, 0.0] and regret == 0.0
    with pytest.raises(VaesslError, match="1 to 50"):
        choice_frequencies([same, same], 51)


def test_standard_error():
    assert standard_error(0.9, 100) == pytest.approx(0.03)
    assert standard_error(0.9, 10_000) == pytest.approx(0.003)
