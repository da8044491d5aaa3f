from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 1
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_format_is_a_fraction(q4_precision):
    """a number between 0 and 1"""
    assert isinstance(q4_precision, (int, float)) and (not isinstance(q4_precision, bool)), f'q4_precision must be a number such as 0.912, got {q4_precision!r}'
    assert 0.0 <= q4_precision <= 1.0, f'a precision is a fraction between 0 and 1, got {q4_precision} (write 0.912, not 91.2)'

