from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 1
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_format_is_a_positive_number(q3_kl):
    """a number above 0"""
    assert isinstance(q3_kl, (int, float)) and (not isinstance(q3_kl, bool)), f'q3_kl must be a number such as 12.34, got {q3_kl!r}'
    assert q3_kl > 0, "a KL divergence is never negative, and a trained VAE's is above 0"

