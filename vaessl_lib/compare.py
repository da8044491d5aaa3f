r"""Conditional generators compared on cost and on whether they draw the class asked for.

Chapter 6 (conditional generation): the CVAE and M2 draw a digit with one
decoder pass, :math:`x = \pi_\theta(z, y)`; the DDPM needs T reverse steps
(2T with classifier-free guidance).  :func:`compare_generators` measures, for
each model and the same requested labels:

* ``evaluations_per_sample``: network evaluations per image (1 for a VAE decoder,
  :meth:`~vaessl_lib.models.ddpm.DDPM.evaluations_per_sample` for the DDPM),
* ``seconds_per_sample``: wall-clock seconds per image, generated in one batch,
* ``class_match``: the share of images that a fixed classifier reads as the
  requested class, :math:`\frac1N\sum_i \mathbb 1[\arg\max_k p_\text{clf}(k\mid x_i) = y_i]`.
"""

from __future__ import annotations

import time
from typing import Mapping

import torch

from .models.base import Classifies


def generate_for(model, y: torch.Tensor, generator: torch.Generator, guidance: float = 0.0) -> tuple[torch.Tensor, int]:
    """Images for labels ``y`` and the network evaluations per image it took."""
    if hasattr(model, "evaluations_per_sample"):                    # DDPM
        return model.sample(len(y), y, guidance, generator), model.evaluations_per_sample(guidance)
    z = torch.randn(len(y), model.config.latent, generator=generator)
    return model.generate(y, z), getattr(model, "decoder_passes", 1)  # one decoder pass per image (M1+M2: two)


def compare_generators(models: Mapping[str, object], classifier: Classifies,
                       per_class: int | Mapping[str, int] = 10, seed: int = 0,
                       guidance: Mapping[str, float] | None = None) -> list[dict]:
    """One row per model: samples, evaluations_per_sample, seconds_per_sample, class_match, per_class_match.

    Every model is asked for ``per_class`` images of each class (labels
    0..K-1, each repeated), with the same seed; ``per_class`` may also map a
    model name to its own count (a slow sampler gets fewer); ``guidance`` gives
    the DDPM's classifier-free guidance weight per model name (default 0).
    """
    rows = []
    for name, model in models.items():
        k = model.num_classes
        n = per_class if isinstance(per_class, int) else per_class[name]
        y = torch.arange(k).repeat_interleave(n)
        gen = torch.Generator().manual_seed(seed)
        w = (guidance or {}).get(name, 0.0)
        start = time.perf_counter()
        images, nfe = generate_for(model, y, gen, w)
        seconds = time.perf_counter() - start
        hit = (classifier.predict(images) == y).float()
        rows.append({"model": name, "guidance": w, "samples": len(y), "evaluations_per_sample": nfe,
                     "seconds_per_sample": seconds / len(y), "class_match": float(hit.mean()),
                     "per_class_match": [round(float(h), 3) for h in hit.reshape(k, n).mean(1)]})
    return rows


def format_rows(rows: list[dict]) -> str:
    """The rows of :func:`compare_generators` as a Markdown table."""
    lines = ["| model | guidance w | samples | network evaluations / sample | seconds / sample | "
             "read as the asked-for class |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['guidance']:g} | {r['samples']} | {r['evaluations_per_sample']} | "
                     f"{r['seconds_per_sample']:.2e} | {100 * r['class_match']:.1f}% |")
    return "\n".join(lines)
