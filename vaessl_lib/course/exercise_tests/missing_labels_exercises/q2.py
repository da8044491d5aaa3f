from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_tiny_example(nearest_neighbour_predict):
    import torch
    x_ref = torch.tensor([[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]).reshape(2, 1, 2, 2)
    y_ref = torch.tensor([3, 8])
    x_query = torch.tensor([[0.1, 0.0, 0.2, 0.0], [0.9, 1.0, 0.7, 1.0], [0.0, 1.0, 1.0, 1.0]]).reshape(3, 1, 2, 2)
    pred = nearest_neighbour_predict(x_query, x_ref, y_ref)
    assert pred is not None, 'nearest_neighbour_predict returned None: replace the ... with a return statement'
    assert torch.is_tensor(pred) and pred.shape == (3,), f'expected one label per query, shape (3,), got {(tuple(pred.shape) if torch.is_tensor(pred) else type(pred))}: flatten the images (x.flatten(1)) and take the argmin over the references, dim=1 of the (Q, R) distances'
    assert pred.tolist() != [8, 3, 3], 'those are the labels of the farthest reference images: take the argmin of the distances, not the argmax'
    assert pred.tolist() == [3, 8, 8], f'the queries are closest to reference images 0, 1, 1, so the labels are [3, 8, 8]; got {pred.tolist()} (take the argmin of the distances, then index y_ref with it)'

@test_case(points=None, hidden=False)
def test_returns_labels_not_positions(nearest_neighbour_predict):
    import torch
    x_ref = torch.tensor([[5.0], [0.0], [2.0]]).reshape(3, 1, 1, 1)
    pred = nearest_neighbour_predict(torch.tensor([4.5]).reshape(1, 1, 1, 1), x_ref, torch.tensor([7, 1, 4]))
    assert pred is not None, 'nearest_neighbour_predict returned None'
    assert pred.tolist() == [7], f'the nearest reference is image 0 (label 7); got {pred.tolist()}: return y_ref[j], not the position j'

@test_case(points=None, hidden=False)
def test_as_many_queries_as_references(nearest_neighbour_predict):
    import torch
    x_ref = torch.tensor([[0.0, 0.0], [4.0, 0.0], [0.0, 3.0]]).reshape(3, 1, 1, 2)
    y_ref = torch.tensor([5, 1, 9])
    x_query = torch.tensor([[3.5, 0.5], [0.2, 2.0], [0.5, 0.4]]).reshape(3, 1, 1, 2)
    pred = nearest_neighbour_predict(x_query, x_ref, y_ref)
    assert pred is not None, 'nearest_neighbour_predict returned None'
    assert torch.is_tensor(pred) and pred.shape == (3,), 'expected one label per query, shape (3,): flatten the images with x.flatten(1)'
    assert pred.tolist() != [9, 5, 1], 'that takes the argmin over the queries (dim=0), the nearest query of each reference: take it over the references, dim=1 of the (Q, R) distance matrix'
    assert pred.tolist() != [1, 2, 0], 'those are positions in x_ref: return their labels, y_ref[j]'
    assert pred.tolist() == [1, 9, 5], f'the three queries are nearest to references 1, 2 and 0, whose labels are [1, 9, 5]; got {pred.tolist()}'

