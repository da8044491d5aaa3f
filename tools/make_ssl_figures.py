"""Make the method figures of Chapter 2 (``book/figures/ssl_*.png``).

    OMP_NUM_THREADS=1 python tools/make_ssl_figures.py

Five figures, one per method: the Ladder network, the Pi-model, self-training,
co-training and co-teaching.  The schematics are drawn with matplotlib patches;
the digits are real mnist-5k images, and the predictions come from a small MLP
trained for three epochs on the 100-label split (a few seconds on one CPU core).
Everything is seeded, so the figures are the same on every run.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vaessl_lib.augment import random_shift  # noqa: E402
from vaessl_lib.methods import train_method  # noqa: E402
from vaessl_lib.methods.co_teaching import kept_fraction  # noqa: E402
from vaessl_lib.methods.co_training import view_masks  # noqa: E402
from vaessl_lib.methods.pi_model import consistency_weight  # noqa: E402
from vaessl_lib.models.classifiers import ClassifierSpec  # noqa: E402

OUT = ROOT / "book" / "figures"
DPI = 150
WIDTH = 8.0
TAU = 0.95                       # self-training threshold shown in the figure

# One palette for all five figures.
C = {
    "clean": "#3b6ea8",          # clean encoder / labelled data / network A
    "clean_bg": "#dce7f3",
    "noisy": "#d9822b",          # corrupted pass / noise / network B
    "noisy_bg": "#fbe6d0",
    "dec": "#4a9a5b",            # decoder / kept / correct
    "dec_bg": "#dcefe0",
    "cost": "#c0392b",           # costs and errors
    "cost_bg": "#f8dcd8",
    "grey": "#8c8c8c",
    "grey_bg": "#ececec",
    "ink": "#222222",
    "hidden": "#e3e9f1",         # pixels a view does not see
}

plt.rcParams.update({
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "mathtext.fontset": "dejavusans",
    "savefig.dpi": DPI,
    "figure.dpi": DPI,
})


# --------------------------------------------------------------------------- drawing helpers
def box(ax, x, y, w, h, text, fc, ec, fontsize=10, weight="normal", color=None, lw=1.4, ls="-", zorder=3,
        pad=0.02, rounding=0.08):
    """A rounded box centred at (x, y) with centred text; returns the patch."""
    p = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=f"round,pad={pad},rounding_size={rounding}",
                       fc=fc, ec=ec, lw=lw, ls=ls, zorder=zorder)
    ax.add_patch(p)
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, weight=weight, color=color or C["ink"],
                zorder=zorder + 1)
    return p


def arrow(ax, a, b, color=None, lw=1.4, style="-|>", rad=0.0, ls="-", ms=12, shrinkA=2, shrinkB=2, zorder=2,
          transform=None):
    p = FancyArrowPatch(a, b, arrowstyle=style, mutation_scale=ms, color=color or C["ink"], lw=lw, ls=ls,
                        connectionstyle=f"arc3,rad={rad}", shrinkA=shrinkA, shrinkB=shrinkB, zorder=zorder,
                        **({"transform": transform} if transform is not None else {}))
    ax.add_patch(p)
    return p


def canvas(fig, rect=(0, 0, 1, 1), xlim=(0, 10), ylim=(0, 10)):
    """An invisible axes for drawing in data coordinates (aspect 'auto')."""
    ax = fig.add_axes(rect)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_axis_off()
    return ax


def digit(ax, img, title=None, color=None, fontsize=9, frame=None):
    ax.imshow(np.asarray(img).reshape(28, 28), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_color(frame or "#bbbbbb")
        s.set_linewidth(1.6 if frame else 0.8)
    if title is not None:
        ax.set_title(title, fontsize=fontsize, color=color or C["ink"], pad=3)


def save(fig, name):
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    fig.savefig(path, dpi=DPI, facecolor="white")
    plt.close(fig)
    print(f"wrote {path.relative_to(ROOT)}")


# --------------------------------------------------------------------------- the small model
def small_model():
    """A 2-layer MLP with dropout, 3 epochs on the 100-label split of mnist-5k (seconds on a CPU)."""
    torch.manual_seed(0)
    run = train_method("supervised", "mnist-5k", 100, epochs=3, log=None, progress=False, device="cpu",
                       classifier=ClassifierSpec("mlp", dropout=0.3))
    run.model.eval()
    return run


def dropout_pass(model, x, seed):
    """Softmax output with dropout ON (a fresh mask from ``seed``) and batch norm in eval mode.

    Batch norm stays on its running statistics: in train mode it would normalise
    a batch of one image by its own statistics, which is not what training sees.
    """
    model.eval()
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.train()
    torch.manual_seed(seed)
    with torch.no_grad():
        p = torch.softmax(model.logits(x), dim=-1)
    model.eval()
    return p


# --------------------------------------------------------------------------- 1. Ladder network
def fig_ladder():
    fig = plt.figure(figsize=(WIDTH, 6.6))
    ax = canvas(fig, xlim=(0, 10), ylim=(-0.75, 8.95))
    xc, xd, xk = 2.05, 5.25, 8.55                     # corrupted encoder, decoder, clean encoder
    ys = [1.35, 3.05, 4.75, 6.45]                    # l = 0 .. 3 (= L)
    bw, bh = 1.75, 0.72

    for x, name, col in ((xc, "corrupted encoder", C["noisy"]), (xd, "decoder (top-down)", C["dec"]),
                         (xk, "clean encoder", C["clean"])):
        ax.text(x, 8.75, name, ha="center", va="center", fontsize=11.5, weight="bold", color=col)
    ax.text(xc, 8.43, "(same weights as clean)", ha="center", va="center", fontsize=8.5, color=C["grey"])
    ax.text(xk, 8.43, "targets $z^{(l)}$, no noise", ha="center", va="center", fontsize=8.5, color=C["grey"])
    ax.text(xd, 8.43, r"$\hat z^{(l)} = g(\tilde z^{(l)}, u^{(l)})$", ha="center", va="center", fontsize=9,
            color=C["grey"])

    names_c = [r"$\tilde z^{(0)} = x + n^{(0)}$", r"$\tilde z^{(1)}$", r"$\tilde z^{(2)}$", r"$\tilde y = \tilde z^{(3)}$"]
    names_k = [r"$z^{(0)} = x$", r"$z^{(1)}$", r"$z^{(2)}$", r"$y = z^{(3)}$"]
    names_d = [r"$g \rightarrow \hat z^{(0)}$", r"$g \rightarrow \hat z^{(1)}$", r"$g \rightarrow \hat z^{(2)}$",
               r"$g \rightarrow \hat z^{(3)}$"]

    # input
    box(ax, (xc + xk) / 2, 0.2, 1.2, 0.45, "input  $x$", C["grey_bg"], C["grey"], fontsize=10)
    arrow(ax, ((xc + xk) / 2 - 0.62, 0.2), (xc, ys[0] - bh / 2 - 0.05), color=C["grey"], rad=-0.15)
    arrow(ax, ((xc + xk) / 2 + 0.62, 0.2), (xk, ys[0] - bh / 2 - 0.05), color=C["grey"], rad=0.15)

    for l, y in enumerate(ys):
        box(ax, xc, y, bw, bh, names_c[l], C["noisy_bg"], C["noisy"], fontsize=10.5)
        box(ax, xk, y, bw * 0.9, bh, names_k[l], C["clean_bg"], C["clean"], fontsize=10.5)
        box(ax, xd, y, bw * 0.95, bh, names_d[l], C["dec_bg"], C["dec"], fontsize=10.5)
        # noise injection on the left of every corrupted layer
        nx = xc - bw / 2 - 0.55
        ax.add_patch(Circle((nx, y), 0.17, fc="white", ec=C["noisy"], lw=1.4, zorder=4))
        ax.text(nx, y, "+", ha="center", va="center", fontsize=12, color=C["noisy"], weight="bold", zorder=5)
        ax.text(nx, y - 0.36, r"$\mathcal{N}(0,\sigma^2)$", ha="center", va="top", fontsize=8.5, color=C["noisy"])
        arrow(ax, (nx + 0.17, y), (xc - bw / 2 - 0.04, y), color=C["noisy"], ms=9, shrinkA=0, shrinkB=0)
        # lateral connection corrupted -> decoder combinator
        arrow(ax, (xc + bw / 2 + 0.02, y), (xd - bw * 0.95 / 2 - 0.04, y), color=C["noisy"], lw=1.6, ls="-")
        if l == 1:
            ax.text((xc + xd) / 2 + 0.05, y + 0.14, "lateral", ha="center", va="bottom", fontsize=8.5,
                    color=C["noisy"], style="italic")
        # denoising cost between decoder and clean encoder
        cx = (xd + xk) / 2 + 0.05
        ax.add_patch(Circle((cx, y), 0.3, fc=C["cost_bg"], ec=C["cost"], lw=1.4, zorder=4))
        ax.text(cx, y, f"$C_{l}$", ha="center", va="center", fontsize=10.5, color=C["cost"], zorder=5)
        arrow(ax, (xd + bw * 0.95 / 2 + 0.03, y), (cx - 0.3, y), color=C["cost"], ms=9, shrinkA=0, shrinkB=0,
              ls="--")
        arrow(ax, (xk - bw * 0.9 / 2 - 0.03, y), (cx + 0.3, y), color=C["cost"], ms=9, shrinkA=0, shrinkB=0,
              ls="--")
        if l < 3:   # bottom-up encoders and top-down decoder
            arrow(ax, (xc, y + bh / 2 + 0.03), (xc, ys[l + 1] - bh / 2 - 0.03), color=C["noisy"], lw=1.6)
            arrow(ax, (xk, y + bh / 2 + 0.03), (xk, ys[l + 1] - bh / 2 - 0.03), color=C["clean"], lw=1.6)
            arrow(ax, (xd, ys[l + 1] - bh / 2 - 0.03), (xd, y + bh / 2 + 0.03), color=C["dec"], lw=1.6)
            ax.text(xd + 0.1, (y + ys[l + 1]) / 2, f"$u^{{({l})}}$", ha="left", va="center", fontsize=9.5,
                    color=C["dec"])
            ax.text(xc + 0.1, (y + ys[l + 1]) / 2, f"$W^{{({l + 1})}}$, BN", ha="left", va="center",
                    fontsize=8.5, color=C["noisy"])
            ax.text(xk + 0.1, (y + ys[l + 1]) / 2, f"$W^{{({l + 1})}}$, BN", ha="left", va="center",
                    fontsize=8.5, color=C["clean"])
        ax.text(0.02, y, f"$l = {l}$", ha="left", va="center", fontsize=9, color=C["grey"])

    # top: the corrupted output feeds the decoder and the supervised cost
    yt = ys[3]
    arrow(ax, (xc + 0.55, yt + bh / 2 + 0.03), (xd - 0.35, yt + bh / 2 + 0.03), color=C["dec"], rad=-0.45, lw=1.4)
    ax.text((xc + xd) / 2 + 0.25, yt + 0.98, r"$u^{(3)} = \mathrm{BN}(\tilde y)$", ha="center", va="bottom",
            fontsize=9, color=C["dec"])
    box(ax, xc - 0.55, 7.55, 1.75, 0.55, "", C["cost_bg"], C["cost"])
    ax.text(xc - 0.55, 7.64, r"$C_{\mathrm{sup}} = $ CE$(\tilde y, y^\star)$", ha="center", va="center",
            fontsize=9.5, zorder=5)
    ax.text(xc - 0.55, 7.39, "labelled rows only", ha="center", va="center", fontsize=7.8, color=C["cost"],
            zorder=5)
    arrow(ax, (xc - 0.55, yt + bh / 2 + 0.03), (xc - 0.55, 7.55 - 0.3), color=C["cost"], ms=9)

    # cost formula
    ax.text(5.3, -0.7, r"total cost  $\mathcal{C} = C_{\mathrm{sup}} + \sum_l \lambda_l\, C_l$,   "
            r"$C_l = \| z^{(l)} - \hat z^{(l)}_{\mathrm{BN}} \|^2$ (every row, labelled or not)",
            ha="center", va="bottom", fontsize=9.5, color=C["cost"])
    save(fig, "ssl_ladder.png")


# --------------------------------------------------------------------------- 2. Pi-model
def fig_pi_model(run):
    model, split = run.model, run.split
    perm = torch.randperm(len(split.y_unlabeled), generator=torch.Generator().manual_seed(1))
    x_pool, y_pool = split.x_unlabeled[perm], split.y_unlabeled[perm]     # the pool is sorted by class
    # pick a digit whose two stochastic passes agree on the class but differ visibly in confidence
    chosen = None
    for i in range(200):
        x = x_pool[i:i + 1]
        xa = random_shift(x, 2, torch.Generator().manual_seed(1))
        xb = random_shift(x, 2, torch.Generator().manual_seed(2))
        if torch.equal(xa, xb):
            continue
        za, zb = dropout_pass(model, xa, 11)[0], dropout_pass(model, xb, 12)[0]
        y = int(y_pool[i])
        if za.argmax() == y and 0.25 < abs(float(za[y] - zb[y])) < 0.6 and zb[y] > 0.2:
            chosen = (i, x, xa, xb, za, zb, y)
            break
    if chosen is None:                                   # fall back to the first image
        i, x = 0, x_pool[:1]
        xa = random_shift(x, 2, torch.Generator().manual_seed(1))
        xb = random_shift(x, 2, torch.Generator().manual_seed(2))
        za, zb, y = dropout_pass(model, xa, 11)[0], dropout_pass(model, xb, 12)[0], int(y_pool[0])
    else:
        i, x, xa, xb, za, zb, y = chosen
    dist = float(((za - zb) ** 2).sum())

    fig = plt.figure(figsize=(WIDTH, 4.6))
    bg = canvas(fig, xlim=(0, 1), ylim=(0, 1))
    fig_w, fig_h = fig.get_size_inches()

    def img_ax(cx, cy, size_in, **kw):
        w, h = size_in / fig_w, size_in / fig_h
        a = fig.add_axes((cx - w / 2, cy - h / 2, w, h))
        digit(a, **kw)
        return a

    y_top, y_bot, y_mid = 0.72, 0.27, 0.495
    img_ax(0.075, y_mid, 0.95, img=x[0, 0], title="$x$ (unlabelled)", fontsize=9.5)
    img_ax(0.235, y_top, 0.8, img=xa[0, 0], title="shift 1", fontsize=9, frame=C["clean"])
    img_ax(0.235, y_bot, 0.8, img=xb[0, 0], title="shift 2", fontsize=9, frame=C["noisy"])
    arrow(bg, (0.135, y_mid + 0.04), (0.18, y_top - 0.02), color=C["clean"], rad=-0.2)
    arrow(bg, (0.135, y_mid - 0.04), (0.18, y_bot + 0.02), color=C["noisy"], rad=0.2)
    bg.text(0.155, y_mid, "random\nshift\n(±2 px)", ha="left", va="center", fontsize=8, color=C["grey"],
            linespacing=1.1)

    # the network, twice
    for yy, col, bgc, lab in ((y_top, C["clean"], C["clean_bg"], "dropout mask 1"),
                              (y_bot, C["noisy"], C["noisy_bg"], "dropout mask 2")):
        box(bg, 0.40, yy, 0.11, 0.14, r"$f_\theta$", bgc, col, fontsize=14, pad=0.005, rounding=0.015)
        bg.text(0.40, yy - 0.105, lab, ha="center", va="top", fontsize=8.5, color=col)
        arrow(bg, (0.285, yy), (0.343, yy), color=col)
        arrow(bg, (0.457, yy), (0.52, yy), color=col)
    arrow(bg, (0.40, y_top - 0.175), (0.40, y_bot + 0.08), style="<|-|>", color=C["grey"], ls=":", lw=1.2, ms=9)
    bg.text(0.41, y_mid, "shared\nweights", ha="left", va="center", fontsize=8, color=C["grey"], linespacing=1.1)

    # the two prediction vectors (real outputs)
    ks = np.arange(10)
    for yy, z, col, name in ((y_top, za, C["clean"], "$z$"), (y_bot, zb, C["noisy"], r"$\tilde z$")):
        a = fig.add_axes((0.57, yy - 0.115, 0.17, 0.21))
        colors = [col if k == y else "#c9c9c9" for k in ks]
        a.bar(ks, z.numpy(), color=colors, width=0.75)
        a.set_ylim(0, 1)
        a.set_xticks(ks)
        a.set_yticks([0, 0.5, 1])
        a.tick_params(labelsize=7.5, length=2, pad=1)
        a.spines[["top", "right"]].set_visible(False)
        a.set_title(f"{name}:  $p({y}) = {float(z[y]):.2f}$", fontsize=9.5, color=col, pad=3)
    fig.text(0.655, 0.02, "real outputs of a small MLP\n(3 epochs, 100 labels);\nclasses 0-9 on the x-axis",
             ha="center", va="bottom", fontsize=7.8, color=C["grey"], linespacing=1.1)

    # the loss
    arrow(bg, (0.745, y_top - 0.02), (0.762, y_mid + 0.06), color=C["clean"], rad=-0.2)
    arrow(bg, (0.745, y_bot + 0.02), (0.762, y_mid - 0.04), color=C["noisy"], rad=0.2)
    box(bg, 0.87, y_mid + 0.01, 0.19, 0.16, "", C["cost_bg"], C["cost"], pad=0.005, rounding=0.015)
    bg.text(0.87, y_mid + 0.045, r"CE(labelled rows)", ha="center", va="center", fontsize=9, color=C["ink"])
    bg.text(0.87, y_mid - 0.02, r"$+\; w(t)\,\|z - \tilde z\|^2$", ha="center", va="center", fontsize=10.5,
            color=C["cost"])
    bg.text(0.87, y_mid + 0.12, f"here $\\|z - \\tilde z\\|^2 = {dist:.3f}$", ha="center", va="bottom",
            fontsize=8.5, color=C["cost"])

    # inset: the ramp-up of w(t)
    a = fig.add_axes((0.815, 0.12, 0.14, 0.2))
    t = np.linspace(0, 1, 200)
    w = [consistency_weight(float(s), 10.0, 0.3) for s in t]
    a.plot(t, w, color=C["cost"], lw=1.8)
    a.axvline(0.3, color=C["grey"], ls=":", lw=1)
    a.set_xlim(0, 1)
    a.set_ylim(0, 11)
    a.set_xticks([0, 0.3, 1])
    a.set_yticks([0, 10])
    a.tick_params(labelsize=7.5, length=2, pad=1)
    a.spines[["top", "right"]].set_visible(False)
    a.set_xlabel("training progress $t$", fontsize=8, labelpad=1)
    a.set_title("ramp-up $w(t)$", fontsize=8.8, pad=3)

    fig.suptitle(r"$\Pi$-model: two stochastic passes of the same network must agree", fontsize=11.5, y=0.955)
    save(fig, "ssl_pi_model.png")


# --------------------------------------------------------------------------- 3. self-training
def fig_self_training(run):
    model, split = run.model, run.split
    proba = model.predict_proba(split.x_unlabeled)
    conf, pred = proba.max(dim=1)
    truth = split.y_unlabeled
    kept = conf > TAU
    share_kept = float(kept.float().mean())
    acc_kept = float((pred[kept] == truth[kept]).float().mean())

    # a fixed, readable mix: 7 kept and right, 2 kept but wrong, 3 not kept (in a seeded random order;
    # the pool itself is sorted by class)
    idx = torch.randperm(len(truth), generator=torch.Generator().manual_seed(0))
    conf, pred, truth, kept = conf[idx], pred[idx], truth[idx], kept[idx]
    images = split.x_unlabeled[idx]
    idx = torch.arange(len(truth))
    right = idx[kept & (pred == truth)][:7]
    wrong = idx[kept & (pred != truth)][:2]
    low = idx[~kept][:3]
    order = torch.cat([right[:2], low[:1], right[2:3], wrong[:1], right[3:5], low[1:2], right[5:6], low[2:3],
                       wrong[1:2], right[6:7]])

    fig = plt.figure(figsize=(WIDTH, 4.3))
    ax = canvas(fig, rect=(0.0, 0.0, 0.44, 0.92), xlim=(-1.55, 1.55), ylim=(-1.4, 1.35))
    fig.text(0.22, 0.955, "the self-training loop", ha="center", va="center", fontsize=11.5, weight="bold")
    r = 0.92
    nodes = [
        (90, "train $f_\\theta$ on\nlabelled + pseudo-\nlabelled data", C["clean_bg"], C["clean"]),
        (0, "predict $q(y\\,|\\,x)$\non unlabelled $x$", C["grey_bg"], C["grey"]),
        (-90, "keep $x$ if\n$\\max_y q(y\\,|\\,x) > \\tau$", C["dec_bg"], C["dec"]),
        (180, "add $(x, \\hat y)$ with\n$\\hat y = \\arg\\max_y q$", C["noisy_bg"], C["noisy"]),
    ]
    pos = []
    for ang, text, fc, ec in nodes:
        px, py = r * np.cos(np.radians(ang)), r * np.sin(np.radians(ang))
        pos.append((px, py))
        box(ax, px, py, 1.12, 0.5, text, fc, ec, fontsize=8.8, pad=0.03, rounding=0.1)
    # clockwise arrows from box edge to box edge
    hw, hh, e = 0.56 + 0.05, 0.25 + 0.05, 0.03
    for a0, a1 in (((hw, r), (r, hh + e)), ((r, -hh - e), (hw, -r)), ((-hw, -r), (-r, -hh - e)),
                   ((-r, hh + e), (-hw, r))):
        arrow(ax, a0, a1, rad=-0.4, lw=1.8, color=C["ink"], ms=14)
    ax.text(0, 0.0, "repeat", ha="center", va="center", fontsize=9.5, color=C["grey"], style="italic")

    # the real example
    fig.text((0.47 + 0.975) / 2, 0.955, f"one round on mnist-5k, $\\tau = {TAU}$", ha="center", va="center",
             fontsize=11.5, weight="bold")
    x0, x1, y0, y1 = 0.47, 0.975, 0.2, 0.88
    ncol, nrow = 4, 3
    cw, ch = (x1 - x0) / ncol, (y1 - y0) / nrow
    size = min(cw * WIDTH, ch * 4.3) * 0.62
    for j, n in enumerate(order.tolist()):
        cxp = x0 + cw * (j % ncol + 0.5)
        cyp = y1 - ch * (j // ncol + 0.5) - 0.02
        w, h = size / WIDTH, size / 4.3
        a = fig.add_axes((cxp - w / 2, cyp - h / 2, w, h))
        p, c, t = int(pred[n]), float(conf[n]), int(truth[n])
        if c > TAU and p == t:
            col, frame, txt = C["dec"], C["dec"], f"{p}  ({c:.2f})"
        elif c > TAU:
            col, frame, txt = C["cost"], C["cost"], f"{p}  ({c:.2f})\ntrue label {t}"
        else:
            col, frame, txt = C["grey"], C["grey"], f"{p}  ({c:.2f})"
        digit(a, images[n, 0], frame=frame)
        a.set_title(txt.split("\n")[0], fontsize=9, color=col, pad=2.5)
        if "\n" in txt:
            a.set_xlabel(txt.split("\n")[1], fontsize=8.5, color=col, labelpad=1.5)
    from matplotlib.patches import Patch
    handles = [Patch(fc="white", ec=C["dec"], lw=1.6, label="kept, right"),
               Patch(fc="white", ec=C["cost"], lw=1.6, label="kept, wrong"),
               Patch(fc="white", ec=C["grey"], lw=1.6, label="not kept")]
    fig.legend(handles=handles, loc="center", bbox_to_anchor=((x0 + x1) / 2, 0.14), ncol=3, frameon=False,
               fontsize=8.5, handlelength=1.2, columnspacing=1.2)
    fig.text((x0 + x1) / 2, 0.06, "above each digit: predicted label (confidence); 12 digits picked to show all cases\n"
             f"whole pool: {share_kept:.0%} kept, {acc_kept:.1%} of those right (small MLP, 100 labels)", ha="center", va="center", fontsize=7.8, color=C["grey"],
             linespacing=1.3)
    save(fig, "ssl_self_training.png")


# --------------------------------------------------------------------------- 4. co-training
def fig_co_training(run):
    split = run.split
    n = 4
    perm = torch.randperm(len(split.y_unlabeled), generator=torch.Generator().manual_seed(2))
    picks, seen = [], set()
    for i in perm.tolist():                            # n digits of different classes (the pool is sorted)
        if int(split.y_unlabeled[i]) not in seen:
            seen.add(int(split.y_unlabeled[i]))
            picks.append(i)
        if len(picks) == n:
            break
    xs = split.x_unlabeled[picks]

    def show_view(ax, img, mask):
        """Visible pixels in grey scale, hidden pixels tinted."""
        img, m = img.reshape(28, 28).numpy(), mask.reshape(28, 28).numpy()
        rgb = np.ones((28, 28, 3)) - img[..., None]                   # white background, black ink
        hidden = np.array(matplotlib.colors.to_rgb(C["hidden"]))
        rgb = np.where(m[..., None] > 0, rgb, hidden)
        ax.imshow(rgb, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        for s in ax.spines.values():
            s.set_color("#bbbbbb")
            s.set_linewidth(0.8)

    fig = plt.figure(figsize=(WIDTH, 5.0))
    bg = canvas(fig, xlim=(0, 1), ylim=(0, 1))
    fw, fh = fig.get_size_inches()
    s = 0.58                                               # image size in inches
    w, h = s / fw, s / fh
    gap = 0.012
    strip = n * w + (n - 1) * gap
    xa0, xb0 = 0.17, 0.985 - strip                          # left edges of the view-A and view-B strips

    # the full digits, once
    xf0 = 0.5 - strip / 2
    yf = 0.72
    for j in range(n):
        a = fig.add_axes((xf0 + j * (w + gap), yf, w, h))
        digit(a, xs[j, 0])
    bg.text(xf0 - 0.015, yf + h / 2, "digits $x$", ha="right", va="center", fontsize=10)

    rows = (("top-bottom", 0.45, "rows 0-13", "rows 14-27"), ("even-odd", 0.17, "even columns", "odd columns"))
    for view, y, la, lb in rows:
        ma, mb = view_masks(view)
        for j in range(n):
            show_view(fig.add_axes((xa0 + j * (w + gap), y, w, h)), xs[j], ma)
            show_view(fig.add_axes((xb0 + j * (w + gap), y, w, h)), xs[j], mb)
        bg.text(0.01, y + h / 2, f'views\n"{view}"', ha="left", va="center", fontsize=9.5, linespacing=1.3)
        bg.text(xa0 + strip / 2, y + h + 0.015, f"view A: {la}  →  $h_A$", ha="center", va="bottom", fontsize=9.5,
                color=C["clean"])
        bg.text(xb0 + strip / 2, y + h + 0.015, f"view B: {lb}  →  $h_B$", ha="center", va="bottom", fontsize=9.5,
                color=C["noisy"])
        # the exchange
        xl, xr = xa0 + strip + 0.015, xb0 - 0.015
        arrow(bg, (xl, y + h * 0.78), (xr, y + h * 0.78), color=C["clean"], lw=1.8, rad=-0.25)
        arrow(bg, (xr, y + h * 0.22), (xl, y + h * 0.22), color=C["noisy"], lw=1.8, rad=-0.25)
        bg.text((xl + xr) / 2, y + h * 0.78 + 0.055, "A labels for B", ha="center", va="bottom", fontsize=9,
                color=C["clean"])
        bg.text((xl + xr) / 2, y + h * 0.22 - 0.055, "B labels for A", ha="center", va="top", fontsize=9,
                color=C["noisy"])
    bg.add_patch(Rectangle((0.17, 0.058), 0.018, 0.028, fc=C["hidden"], ec="#bbbbbb", lw=0.6))
    bg.text(0.195, 0.072, "pixels the view does not see", ha="left", va="center", fontsize=8.5, color=C["ink"])
    bg.text(0.17, 0.025, "each classifier labels the unlabelled digits it is confident about; "
            "those join the other classifier's training set", ha="left", va="center", fontsize=8.5,
            color=C["ink"])
    fig.suptitle("co-training: two classifiers on two disjoint views of each digit", fontsize=11.5, y=0.965)
    save(fig, "ssl_co_training.png")


# --------------------------------------------------------------------------- 5. co-teaching
def fig_co_teaching():
    fig = plt.figure(figsize=(WIDTH, 3.9))
    a = fig.add_axes((0.075, 0.15, 0.3, 0.7))
    t = np.linspace(0, 1, 300)
    ramp = 0.25
    for tau, col in ((0.2, C["clean"]), (0.45, C["noisy"])):
        a.plot(t, [kept_fraction(float(s), tau, ramp) for s in t], color=col, lw=2.2, label=f"$\\tau = {tau}$")
        a.text(0.98, 1 - tau + 0.015, f"$1 - \\tau = {1 - tau:.2f}$", ha="right", va="bottom", fontsize=8.5,
               color=col)
    a.axvline(ramp, color=C["grey"], ls=":", lw=1)
    a.text(ramp + 0.015, 0.415, f"$T_k = {ramp}$", fontsize=8.5, color=C["grey"], va="bottom")
    a.set_xlim(0, 1)
    a.set_ylim(0.4, 1.04)
    a.set_xlabel("training progress $T$")
    a.set_ylabel("kept fraction $R(T)$")
    a.spines[["top", "right"]].set_visible(False)
    a.grid(alpha=0.3)
    a.legend(loc="center right", bbox_to_anchor=(1.0, 0.43), frameon=False, title="forget rate",
             title_fontsize=8.5)
    a.set_title(r"$R(T) = 1 - \tau \min(T/T_k,\, 1)$", fontsize=10.5)

    fig.text(0.71, 0.925, "two networks swap their small-loss examples", ha="center", va="center",
             fontsize=11, weight="bold")
    ax = canvas(fig, rect=(0.435, 0.1, 0.555, 0.76), xlim=(0, 10), ylim=(0, 6))
    labels = ["3", "7", "1", "0", "8", "5", "2", "9"]
    noisy = {5, 7}                           # batch positions whose given label is wrong
    # each network ranks the same batch by its own loss; the noisy examples tend to have large loss
    rank_a = [2, 0, 4, 1, 6, 3, 5, 7]        # batch positions, smallest loss first
    rank_b = [0, 4, 2, 6, 1, 3, 7, 5]
    keep, sq, step, x0 = 5, 0.52, 0.6, 1.95
    x_end = x0 + keep * step - (step - sq)                       # right edge of the kept group
    x_all = x0 + 8 * step - (step - sq)
    rows = ((5.0, "net A", C["clean"], C["clean_bg"], rank_a, +1),
            (1.0, "net B", C["noisy"], C["noisy_bg"], rank_b, -1))
    for yy, name, col, bgc, rank, side in rows:
        box(ax, 0.75, yy, 1.2, 0.75, name, bgc, col, fontsize=11, weight="bold")
        arrow(ax, (1.4, yy), (x0 - 0.06, yy), color=col)
        for k, b in enumerate(rank):
            xx = x0 + k * step
            kept = k < keep
            ax.add_patch(Rectangle((xx, yy - sq / 2), sq, sq, fc=bgc if kept else "white",
                                   ec=col if kept else C["grey"], lw=1.3, ls="-" if kept else "--", zorder=3))
            ax.text(xx + sq / 2, yy, labels[b], ha="center", va="center", fontsize=10, zorder=4,
                    color=C["cost"] if b in noisy else C["ink"], weight="bold" if b in noisy else "normal")
        yb = yy + side * (sq / 2 + 0.15)                          # brackets above A's row, below B's
        for xa, xb, text, c in ((x0, x_end, f"small loss under {name[-1]}: kept", col),
                                (x_end + step - sq + 0.0, x_all, "dropped", C["grey"])):
            ax.annotate("", (xa, yb), (xb, yb), arrowprops=dict(arrowstyle="|-|", color=c, lw=1,
                                                                 mutation_scale=2.5))
            ax.text((xa + xb) / 2, yb + side * 0.1, text, ha="center", va="bottom" if side > 0 else "top",
                    fontsize=8.3, color=c)
    # crossing updates
    ux = 8.85
    box(ax, ux, 5.0, 2.1, 0.95, "update net A\non B's picks", C["clean_bg"], C["clean"], fontsize=9)
    box(ax, ux, 1.0, 2.1, 0.95, "update net B\non A's picks", C["noisy_bg"], C["noisy"], fontsize=9)
    arrow(ax, (x_end - 0.1, 5.0 - sq / 2 - 0.05), (ux - 1.1, 1.0 + 0.3), color=C["clean"], lw=2, ms=14)
    arrow(ax, (x_end - 0.1, 1.0 + sq / 2 + 0.05), (ux - 1.1, 5.0 - 0.3), color=C["noisy"], lw=2, ms=14)
    fig.text(0.71, 0.05, f"the same mini-batch (given labels), ranked by each net's loss; {keep} of 8 kept.\n"
             "Red: a wrong (noisy) label; such examples tend to have a large loss.", ha="center", va="center", fontsize=8.2, color=C["ink"], linespacing=1.35)
    save(fig, "ssl_co_teaching.png")


def main() -> None:
    torch.set_num_threads(1)
    start = time.time()
    run = small_model()
    print(f"small MLP: test accuracy {run.test_accuracy:.3f} after 3 epochs ({time.time() - start:.1f} s)")
    fig_ladder()
    fig_pi_model(run)
    fig_self_training(run)
    fig_co_training(run)
    fig_co_teaching()
    print(f"done in {time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
