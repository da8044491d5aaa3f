import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

from vaessl_lib import viz  # noqa: E402
from vaessl_lib.models import M2, ClassifierSpec, M2Config  # noqa: E402


def test_image_grid_and_labelled_images_draw():
    ax = viz.image_grid(torch.rand(12, 1, 28, 28), nrow=6, title="t")
    assert ax.get_title() == "t" and len(ax.images) == 1
    fig = viz.labelled_images(torch.rand(5, 784), list("abcde"), ncols=5)
    assert [a.get_title() for a in fig.axes[:5]] == list("abcde")


def test_plot_histories_draws_one_line_per_run_and_anchors():
    hist = [{"epoch": 1, "val_accuracy": 0.5}, {"epoch": 2, "val_accuracy": 0.6}]
    ax = viz.plot_histories({"a": hist, "b": hist}, anchors={"paper": 0.88})
    assert len(ax.lines) == 3


def test_class_grid_has_one_row_per_class():
    m = M2(M2Config(hidden=16, latent=3, classifier=ClassifierSpec("linear")))
    ax = viz.class_grid(m, columns=4)
    h, w = ax.images[0].get_array().shape[:2]
    assert h == 10 * 30 + 2 and w == 4 * 30 + 2   # make_grid: 28 px + 2 px padding per cell
