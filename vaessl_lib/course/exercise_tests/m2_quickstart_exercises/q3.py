from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 1
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_format_is_a_fraction(q3_test_accuracy):
    """a number between 0 and 1"""
    assert isinstance(q3_test_accuracy, (int, float)) and (not isinstance(q3_test_accuracy, bool)), f'q3_test_accuracy must be a number such as 0.512, got {q3_test_accuracy!r}'
    assert 0.0 <= q3_test_accuracy <= 1.0, f'give the accuracy as a fraction between 0 and 1 (0.512, not 51.2), got {q3_test_accuracy!r}'

