from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 1
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_format_is_one_of_the_choices(q3_prediction):
    """one of the strings 'a', 'b', 'c'"""
    assert q3_prediction in ('a', 'b', 'c'), f'q3_prediction must be one of the strings "a", "b", "c", got {q3_prediction!r}'

