from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 1
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_format_is_a_number_above_one(q4_ratio):
    """a number above 1"""
    assert isinstance(q4_ratio, (int, float)) and (not isinstance(q4_ratio, bool)), f'q4_ratio must be a number such as 12, got {q4_ratio!r}'
    assert q4_ratio > 1, f'a DDPM image costs more network evaluations than a CVAE image, so the ratio is above 1, got {q4_ratio}'

