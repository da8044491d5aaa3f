from otter.test_files import test_case

OK_FORMAT = False

name = "q6"
points = 1
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_format_is_one_of_the_choices(q6_prediction):
    """one of the strings 'a', 'b', 'c', 'd'"""
    assert q6_prediction in ('a', 'b', 'c', 'd'), f'q6_prediction must be one of the strings "a", "b", "c", "d", got {q6_prediction!r}'

