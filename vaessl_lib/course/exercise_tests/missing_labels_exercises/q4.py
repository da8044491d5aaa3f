from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 1
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_format_is_one_of_the_choices(q4_prediction):
    """one of the strings 'a', 'b', 'c'"""
    assert q4_prediction in ('a', 'b', 'c'), f'q4_prediction must be one of the strings "a", "b", "c", got {q4_prediction!r}'

