from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 1
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_format_is_a_count(q4_wrong):
    """a whole number between 0 and 3400"""
    assert isinstance(q4_wrong, int) and (not isinstance(q4_wrong, bool)), f'q4_wrong must be a whole number such as 12, got {q4_wrong!r}'
    assert 0 <= q4_wrong <= 3400, f'a count of pool examples lies between 0 and 3400, got {q4_wrong}'

