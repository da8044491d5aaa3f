"""Throughput of the unlabelled M2 step: a Python loop over classes vs. one batched pass.

Both versions compute eq. 7 of Kingma et al. (2014) for the same batch on the
same device and take one Adam step on it; the loop is the lecture notes'
``for y in range(10)``, the batched pass repeats the batch K times and runs
the encoder and decoder once (:meth:`vaessl_lib.models.M2.unlabeled_terms`).

    python benchmarks/m2_throughput.py [--batch 128] [--steps 30] [--device cpu]

The last line is ``speedup=<loop time / batched time>``.
"""

from __future__ import annotations

import argparse
import platform
import time

import torch

from vaessl_lib.models import M2, ClassifierSpec, M2Config
from vaessl_lib.runtime import resolve_device


def time_steps(model: M2, x: torch.Tensor, batched: bool, steps: int, warmup: int = 3) -> float:
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    fn = model.unlabeled_terms if batched else model.unlabeled_terms_loop
    for i in range(warmup + steps):
        if i == warmup:
            if x.is_cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
        loss = fn(x)["U"].mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    if x.is_cuda:
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=128, help="unlabelled batch size (default 128, the notes')")
    ap.add_argument("--steps", type=int, default=30, help="timed steps per version")
    ap.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    ap.add_argument("--config", default="notes", choices=["notes", "m2"],
                    help="network sizes: the notes' (400 hidden, z=20, relu, linear classifier) or m2's (500, 50)")
    args = ap.parse_args()
    device = resolve_device(args.device)
    torch.manual_seed(0)
    if args.config == "notes":
        cfg = M2Config(classifier=ClassifierSpec("linear"), hidden=400, latent=20, activation="relu")
    else:
        cfg = M2Config(classifier=ClassifierSpec("mlp"), hidden=500, latent=50)
    model = M2(cfg).to(device).train()
    x = torch.rand(args.batch, 1, 28, 28, device=device)
    print(f"device={device} ({platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads)  batch={args.batch}  config={args.config}")
    # alternate the two versions twice so neither benefits from running second
    loop_t, batch_t = [], []
    for _ in range(2):
        loop_t.append(time_steps(model, x, batched=False, steps=args.steps))
        batch_t.append(time_steps(model, x, batched=True, steps=args.steps))
    loop_s, batched_s = min(loop_t), min(batch_t)
    print(f"loop over classes : {1000 * loop_s:8.2f} ms/step  {args.batch / loop_s:9.0f} images/s")
    print(f"one batched pass  : {1000 * batched_s:8.2f} ms/step  {args.batch / batched_s:9.0f} images/s")
    print(f"speedup={loop_s / batched_s:.2f}")


if __name__ == "__main__":
    main()
