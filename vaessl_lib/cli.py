"""Command line: ``python -m vaessl_lib train|evaluate|sample|assign|grade``.

    python -m vaessl_lib train --method m2 --dataset mnist-5k --labels 100 --epochs 50 --seed 0 --out runs/m2
    python -m vaessl_lib evaluate --checkpoint runs/m2/model.pt --dataset mnist-5k
    python -m vaessl_lib sample --model ddpm --label 4 --n 16 --out fours.png
    python -m vaessl_lib assign                                  # exercises/ -> student editions, autograders
    python -m vaessl_lib grade submissions/ --out grades.csv     # one row per student and assignment

``train`` prints one line per epoch (with the validation accuracy) and ends with
the line ``val_accuracy=0.xxxx`` followed by ``test_accuracy=0.xxxx`` (the test
set scored once, for the last epoch's model); it writes ``OUT/history.csv`` and
``OUT/model.pt``.  ``evaluate`` prints ``test_accuracy=0.xxxx``.  Mistakes in the input get a
one-line ``error: ...`` and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from .argtypes import non_negative_int, positive_float, positive_int, seed as seed_arg
from .data import DATASETS
from .errors import VaesslError
from .models.classifiers import CLASSIFIERS, ClassifierSpec

ALPHA_METHODS = ("m2", "m1m2", "adgm", "sdgm")   # the methods weighted by eq. 9's alpha
from .runtime import DEVICES


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors on one line (``error: ...``) with exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from .methods import METHODS

    parser = _Parser(prog="python -m vaessl_lib",
                     description="Train and evaluate the semi-supervised models of the vaessl course book.")
    sub = parser.add_subparsers(dest="command", metavar="{train,evaluate,sample,assign,grade}",
                                parser_class=_Parser)
    sub.required = True

    methods_help = "; ".join(f"{name}: {m.summary}" for name, m in METHODS.items())
    tr = sub.add_parser("train", help="train a method on a labelled/unlabelled split",
                        description="Train a method with N labels (the rest of the training pool unlabelled, "
                                    "a fixed validation set carved out first); print one line per epoch with "
                                    "the validation accuracy, then val_accuracy=... and test_accuracy=... "
                                    "(the test set scored once, for the last epoch's model).")
    tr.add_argument("--method", required=True, choices=list(METHODS), metavar="METHOD",
                    help=f"which method to train ({methods_help})")
    tr.add_argument("--dataset", default="mnist-5k", choices=DATASETS, metavar="DATASET",
                    help=f"dataset name: {', '.join(DATASETS)} (default: mnist-5k)")
    tr.add_argument("--labels", type=positive_int, default=100, metavar="N",
                    help="number of labelled examples, a multiple of the number of classes (default: 100)")
    tr.add_argument("--epochs", type=non_negative_int, default=None, metavar="E",
                    help="training epochs, each a pass over the unlabelled pool (default: the method's own: "
                         + ", ".join(f"{name} {m.train_defaults.get('epochs', 20)}" for name, m in METHODS.items())
                         + ")")
    tr.add_argument("--seed", type=seed_arg, default=0, metavar="S",
                    help="seed for the label split, initialisation and batch order (default: 0)")
    tr.add_argument("--out", required=True, metavar="DIR",
                    help="folder for history.csv and resume.pt (after every epoch) and model.pt (at the end); "
                         "checked before training; a folder that already holds a run is refused unless "
                         "--overwrite or --resume")
    tr.add_argument("--overwrite", action="store_true", help="replace the run already in --out")
    tr.add_argument("--resume", action="store_true",
                    help="continue the interrupted run in --out after its last complete epoch (give the "
                         "arguments it was started with); it ends as an uninterrupted run would")
    tr.add_argument("--classifier", choices=CLASSIFIERS, default=None,
                    help="network computing q(y|x): linear, mlp or cnn (default: the method's own; "
                         "linear for notes, mlp otherwise)")
    tr.add_argument("--alpha", type=positive_float, default=None,
                    help="m2, m1m2, adgm and sdgm only: the paper's alpha weighting the classification loss (default 0.1*N)")
    tr.add_argument("--lr", type=positive_float, default=None, help="Adam learning rate (default: the method's)")
    tr.add_argument("--threshold", type=float, default=None, metavar="T",
                    help="self-training, co-training, m2-pseudo: confidence in (0, 1) above which an unlabelled "
                         "example gets a pseudo-label (default 0.99 for self-training, 0.95 for the others)")
    tr.add_argument("--label-noise", type=float, default=0.0, metavar="R",
                    help="flip this share of the labels to other classes, in [0, 1) (symmetric noise; for "
                         "co-teaching and its supervised baseline; default 0)")
    tr.add_argument("--shift", type=non_negative_int, default=None, metavar="PX",
                    help="random shifts of up to PX pixels on training batches (supervised, self-training, "
                         "co-training, co-teaching, pi; default: 2 for pi, 0 otherwise)")
    tr.add_argument("--dropout", type=float, default=None, metavar="P",
                    help="dropout rate of the classifier network, in [0, 1) (default: 0.3 for pi, 0 otherwise)")
    tr.add_argument("--view", default=None, metavar="VIEW",
                    help="co-training only: how the pixels are split into two views: top-bottom (default), "
                         "left-right or even-odd")
    tr.add_argument("--val-size", type=non_negative_int, default=None, metavar="N",
                    help="validation images carved from the training pool (default: 10000 for mnist and "
                         "fashion-mnist, 500 for mnist-5k; 0 for none)")
    tr.add_argument("--unlabeled", type=positive_int, default=None, metavar="N",
                    help="keep only N of the unlabelled pool, stratified (a fast run on full MNIST; default: all)")
    tr.add_argument("--device", default="auto", choices=DEVICES, help="auto (cuda, mps, cpu), cpu, cuda or mps")
    tr.add_argument("--data-root", default=None, metavar="DIR",
                    help="folder with a local copy (DIR/MNIST/raw/ holding the idx files, read in place and never "
                         "written to) or where to download (default: $VAESSL_DATA, else ~/.cache/vaessl_lib/data)")
    tr.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    ev = sub.add_parser("evaluate", help="test accuracy of a saved model",
                        description="Load a model.pt written by 'train' and print test_accuracy=... on a dataset.")
    ev.add_argument("--checkpoint", required=True, metavar="PATH", help="a model.pt written by 'train'")
    ev.add_argument("--dataset", default="mnist-5k", choices=DATASETS, metavar="DATASET",
                    help=f"dataset whose test set to use: {', '.join(DATASETS)} (default: mnist-5k)")
    ev.add_argument("--device", default="auto", choices=DEVICES, help="auto (cuda, mps, cpu), cpu, cuda or mps")
    ev.add_argument("--data-root", default=None, metavar="DIR",
                    help="folder with a local copy of the dataset, or where to download it (as for train)")

    from .sample import add_sample_parser

    add_sample_parser(sub)

    asg = sub.add_parser("assign", help="build student editions and autograders from the master exercise notebooks",
                         description="Run otter assign on every master notebook: write the student editions "
                                     "(notebooks/exercises/), their visible tests (vaessl_lib/course/exercise_tests/), "
                                     "the book's exercise pages (book/exercises/), and the autograders and "
                                     "solution editions (_build/exercises/); with --out, all of it under one folder.")
    asg.add_argument("--masters", default="exercises", metavar="DIR",
                     help="folder of master notebooks (default: exercises)")
    asg.add_argument("--out", default=None, metavar="DIR",
                     help="write everything under DIR instead of the book's own folders")

    gr = sub.add_parser("grade", help="grade a folder of submitted exercise notebooks into a CSV",
                        description="Run every submitted notebook under SUBMISSIONS in a walled-in kernel of its "
                                    "own, run its assignment's visible and hidden tests in the grader (never in "
                                    "the student's kernel), and write one CSV row per notebook with each "
                                    "question's score (its points when all its tests pass, else 0). Exits with "
                                    "status 1 when a row has an error, unless --allow-errors.")
    gr.add_argument("submissions", metavar="SUBMISSIONS",
                    help="folder of notebooks: SUBMISSIONS/<student>/<assignment>.ipynb or "
                         "SUBMISSIONS/<student>_<assignment>.ipynb (Colab's 'Copy of' and Canvas/Moodle "
                         "download names are understood)")
    gr.add_argument("--out", default="grades.csv", metavar="CSV", help="where to write the scores (default: grades.csv)")
    src = gr.add_mutually_exclusive_group()
    src.add_argument("--masters", default=None, metavar="DIR",
                     help="grade with the tests of these master notebooks (default: exercises)")
    src.add_argument("--autograders", default=None, metavar="DIR",
                     help="folder of <assignment>.zip autograders written by 'assign' (e.g. _build/exercises/autograder)")
    gr.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                    help="grade N notebooks at a time (default: 1; one CPU core each)")
    gr.add_argument("--timeout", type=positive_float, default=300.0, metavar="S",
                    help="stop a notebook after S seconds of running and testing (default: 300): a timeout row")
    gr.add_argument("--allow-errors", action="store_true",
                    help="exit with status 0 even when some rows have errors")
    gr.add_argument("--strict", action="store_true",
                    help="kept for old scripts: errors always make the status 1 now (see --allow-errors)")
    gr.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def _assign(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .course.assign import Layout, assign

    masters = Path(args.masters)
    if args.out:
        layout = Layout.under(Path(args.out))
    else:
        root = masters.resolve().parent
        if not (root / "_toc.yml").is_file():
            raise VaesslError(f"{masters} is not the exercises/ folder of a checkout of the book (no _toc.yml "
                              f"beside it): give --out DIR to write the student editions and autograders there")
        layout = Layout.repo(root)
    assign(masters, layout)
    return 0


def _grade(args: argparse.Namespace) -> int:
    from .course.grading import grade_folder, with_temporary_masters

    with with_temporary_masters(args.masters, args.autograders) as masters:
        grades = grade_folder(args.submissions, masters, args.out, jobs=args.jobs, timeout=args.timeout,
                              log=lambda line: print(line, flush=True), progress=not args.no_progress)
    return 1 if any(g.error for g in grades) and not args.allow_errors else 0


def _method_overrides(args: argparse.Namespace) -> dict:
    """Turn the method-specific flags into model settings, or say which methods take them."""
    from .methods import METHODS, get_method

    fields = get_method(args.method).model_fields
    out = {}
    wanted = {"threshold": ("threshold", "pseudo_threshold"), "shift": ("shift",), "view": ("view",)}
    for flag, names in wanted.items():
        value = getattr(args, flag)
        if value is None:
            continue
        name = next((n for n in names if n in fields), None)
        if name is None or (flag == "threshold" and args.method in ("m2", "notes")):
            takers = [m for m, spec in METHODS.items() if any(n in spec.model_fields for n in names)
                      and not (flag == "threshold" and m in ("m2", "notes"))]
            raise VaesslError(f"--{flag} applies to --method {', '.join(takers)}, not {args.method!r}")
        out[name] = value
    return out


def _train(args: argparse.Namespace) -> int:
    from .data import load_dataset
    from .methods import train_method

    overrides = {}
    if args.alpha is not None:
        if args.method not in ALPHA_METHODS:
            raise VaesslError(f"--alpha applies to --method {', '.join(ALPHA_METHODS)} only, not {args.method!r}")
        overrides["alpha"] = args.alpha
    if args.lr is not None:
        overrides["lr"] = args.lr
    overrides.update(_method_overrides(args))
    classifier = args.classifier
    if args.dropout is not None:
        if not 0.0 <= args.dropout < 1.0:
            raise VaesslError(f"--dropout is a rate in [0, 1), got {args.dropout}")
        if args.method in ("notes", "ladder"):
            raise VaesslError(f"--dropout does not apply to --method {args.method}")
        default = "cnn" if args.method == "pi" else "mlp"
        classifier = ClassifierSpec(args.classifier or default, dropout=args.dropout)
    data = load_dataset(args.dataset, root=args.data_root)
    try:
        result = train_method(args.method, data, args.labels, epochs=args.epochs, seed=args.seed,
                              val_size=args.val_size, unlabeled=args.unlabeled, overwrite=args.overwrite,
                              resume=args.resume, classifier=classifier, device=args.device, out=args.out,
                              label_noise=args.label_noise, log=lambda line: print(line, flush=True),
                              progress=not args.no_progress, **overrides)
    except KeyboardInterrupt:
        from .outputs import RESUME_FILE, epochs_done

        if (Path(args.out) / RESUME_FILE).is_file():
            print(f"error: interrupted; {args.out} keeps the run after epoch {epochs_done(args.out)}: run the "
                  f"same command with --resume to continue it", file=sys.stderr)
            return 130
        raise
    print(f"val_accuracy={result.val_accuracy:.4f}" if len(result.split.y_val) else "val_accuracy=nan")
    print(f"test_accuracy={result.test_accuracy:.4f}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .checkpoints import load_checkpoint
    from .data import load_dataset
    from .runtime import resolve_device

    model = load_checkpoint(args.checkpoint, device=resolve_device(args.device))
    if not hasattr(model, "predict") or not getattr(model, "num_classes", 0):   # a VAE, CVAE or DDPM
        kind = type(model).__name__.lower()
        if kind == "vae" and getattr(model.config, "latent", None) == 2:
            kind = "vae2d"
        raise VaesslError(f"{args.checkpoint} holds a {type(model).__name__}, a generative model with no classifier "
                          f"to evaluate; draw from it with `python -m vaessl_lib sample --model {kind} "
                          f"--checkpoint {args.checkpoint} --out samples.png`")
    data = load_dataset(args.dataset, root=args.data_root)
    if data.num_classes != model.num_classes:
        raise VaesslError(f"the checkpoint predicts {model.num_classes} classes but {args.dataset!r} has "
                          f"{data.num_classes}")
    print(f"test_accuracy={model.accuracy(data.x_test, data.y_test):.4f}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        from .sample import run_sample

        commands = {"train": _train, "evaluate": _evaluate, "sample": run_sample, "assign": _assign, "grade": _grade}
        return commands[args.command](args)
    except VaesslError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
