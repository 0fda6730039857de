"""``samenspel tagger``: train the tagger's model, cross-validate its weights, evaluate it."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from pipeline.cli.args import folds, fraction, positive_float, positive_int
from pipeline.errors import SamenspelError

DEFAULT_DATA = ("data/labelled/dev.jsonl", "data/labelled/train.jsonl")


def register(subparsers: Any) -> None:
    """Add ``tagger train`` and ``tagger evaluate``."""
    parser = subparsers.add_parser("tagger", help="train and evaluate the interaction tagger")
    sub = parser.add_subparsers(dest="tagger_command", metavar="ACTION", required=True)

    train = sub.add_parser("train", help="train the linear model from labelled data")
    train.add_argument(
        "--data",
        action="append",
        default=None,
        help=f"labelled JSON lines, repeatable (default: {' + '.join(DEFAULT_DATA)})",
    )
    train.add_argument("--out", default=None, help="model file (default: the packaged model.json)")
    train.add_argument(
        "--c", type=positive_float, default=3.0, help="inverse regularisation strength (3.0, by CV)"
    )
    train.add_argument("--min-df", type=positive_int, default=2, help="minimum document frequency")
    train.add_argument(
        "--cv",
        type=folds,
        default=0,
        metavar="K",
        help="also cross-validate mixing weights, K folds",
    )
    train.add_argument("--rules", default=None, help="rules file (default: packaged)")
    train.set_defaults(func=_train)

    evaluate = sub.add_parser("evaluate", help="tag a labelled file and print scores")
    evaluate.add_argument("file", help="labelled JSON lines")
    evaluate.add_argument("--rules", default=None, help="rules file (default: packaged)")
    evaluate.add_argument("--model", default=None, help="model file (default: packaged)")
    evaluate.add_argument("--review-threshold", type=fraction, default=0.40)
    evaluate.set_defaults(func=_evaluate)


def _train(args: argparse.Namespace) -> int:
    from pipeline.tagging.data import load_labelled
    from pipeline.tagging.model import DEFAULT_MODEL_PATH
    from pipeline.tagging.rules import load_rules
    from pipeline.tagging.train import TrainConfig, cross_validate, train

    out = Path(args.out) if args.out else DEFAULT_MODEL_PATH
    _check_writable(out)
    rows = [row for path in args.data or DEFAULT_DATA for row in load_labelled(path)]
    rules, _ = load_rules(args.rules)
    config = TrainConfig(c=args.c, min_df=args.min_df)
    model = train(rows, config, rules)
    raw = model.to_json()
    try:
        out.write_bytes(raw)
    except OSError as exc:
        raise SamenspelError(f"cannot write the model to {out}: {exc.strerror or exc}") from None
    print(f"wrote {out}: {len(model.weights)} features, {len(raw)} bytes, model-{model.digest}")
    if args.cv:
        result = cross_validate(rows, rules, folds=args.cv, config=config)
        for dim, acc in result.accuracy.items():
            print(
                f"cv {dim}: accuracy {acc:.3f}, log-loss {result.log_loss[dim]:.3f}, "
                f"model weight {result.weights.model.get(dim)}, "
                f"temperature {result.weights.temperature.get(dim)}, "
                f"rules weight {result.weights.rules.get(dim)}"
            )
        print(f"cv joint weight {result.weights.joint}")
    return 0


def _check_writable(out: Path) -> None:
    """Refuse an output path before training (which takes minutes), not after it."""
    if out.is_dir():
        raise SamenspelError(f"--out {out} is a folder: give a file name")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SamenspelError(f"cannot create {out.parent}: {exc.strerror or exc}") from None
    if not os.access(out.parent, os.W_OK):
        raise SamenspelError(f"cannot write the model to {out}: {out.parent} is not writable")


def _evaluate(args: argparse.Namespace) -> int:
    from pipeline.tagging import Tagger, evaluate
    from pipeline.tagging.data import load_labelled

    tagger = Tagger.load(args.rules, review_threshold=args.review_threshold, model_path=args.model)
    rows = load_labelled(args.file)
    pairs = [
        (
            tagger.tag(r.text, channel=r.channel.value, subject=r.subject),
            r.model_dump(mode="json"),
        )
        for r in rows
    ]
    print(f"tagger {tagger.version}")
    print(evaluate(pairs).render())
    return 0
