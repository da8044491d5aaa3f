from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 1
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_format_is_a_plausible_difference(q4_entropy_gap):
    """a number between -log 10 and log 10"""
    import math
    assert isinstance(q4_entropy_gap, (int, float)) and (not isinstance(q4_entropy_gap, bool)), f'q4_entropy_gap must be a number such as 0.42, got {q4_entropy_gap!r}'
    assert abs(q4_entropy_gap) <= math.log(10) + 1e-06, f'the entropy of a distribution over 10 classes lies between 0 and log 10 = 2.303 nats, so two of them differ by at most 2.303; got {q4_entropy_gap!r}'

