from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 1
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_format_is_a_fraction(q2_share):
    """a number between 0 and 1"""
    assert isinstance(q2_share, (int, float)) and (not isinstance(q2_share, bool)), f'q2_share must be a number such as 0.5, got {q2_share!r}'
    assert 0 <= q2_share <= 1, f'q2_share is a share of the images, a fraction between 0 and 1 (0.5, not 50), got {q2_share}'

