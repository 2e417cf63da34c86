"""Train the checkpoint of chapter 6: a character LSTM and a tanh RNN with as many parameters,
on the frozen book corpus, plus a study of the chunk length of truncated BPTT.

Usage: python scripts/train_char_lm.py [--device auto|cpu|cuda|mps] [--steps N] [--hidden H]
                                       [--batch B] [--lr LR] [--rnn-lr LR] [--threads N]
                                       [--corpus FILE] [--out FILE]
                                       [--no-chunk-study | --chunk-study-from FILE]

The book's checkpoint: ``--hidden 256 --steps 2400 --chunk-study-from <the previous checkpoint>``
(the chunk-length study is independent of the two main models, so a retraining of those may
keep it; its corpus hash must match).

Writes rnn_helpers/data/char_lm.pt (float16 weights, well under 2 MB) with its metadata: the
corpus hash, the seed, the steps, the training time and the validation bits per character of
each model as stored. A fixed seed, Adam, plain tensors: the same script trains a bigger model
on a bigger text on a GPU with ``--device cuda --hidden 512 --corpus mytext.txt``.
(Runs on a CPU are reproducible on one machine; another processor may round differently.)
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rnn_helpers.char_lm import (CHECKPOINT, count_parameters, make_char_lm, pick_device,  # noqa: E402
                                 rnn_size_matching, round_to_half, save_checkpoint, stream_batches,
                                 train_tbptt, validation_bits)
from rnn_helpers.corpus import book_corpus, char_vocabulary, corpus_hash, load_corpus, split_corpus  # noqa: E402

SEED = 0


def closing_bits(model, codes, vocab, device) -> float:
    """Mean bits on the characters ')' of the validation text: what a model that remembers an
    open parenthesis predicts better than one that does not."""
    data = stream_batches(codes, 1).to(device)
    with torch.no_grad():
        logits, _, _ = model(data)
    logp = torch.log_softmax(logits[:-1, 0].double(), -1)
    target = data[1:, 0]
    where = target == vocab.tokens.index(")")
    return float(-logp[where, target[where]].mean() / math.log(2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--steps", type=int, default=2400)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--lr", type=float, default=4e-3, help="Adam learning rate of the LSTM")
    parser.add_argument("--rnn-lr", type=float, default=2e-3, help="Adam learning rate of the tanh RNN")
    parser.add_argument("--corpus", default=None)
    parser.add_argument("--out", default=str(CHECKPOINT))
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-chunk-study", action="store_true")
    parser.add_argument("--chunk-study-from", default=None,
                        help="copy the chunk-length study from this checkpoint instead of rerunning it")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    text = book_corpus() if args.corpus is None else load_corpus(args.corpus)
    train_text, val_text = split_corpus(text)
    vocab = char_vocabulary(text)
    train_codes, val_codes = vocab.encode(train_text), vocab.encode(val_text)
    meta = {"corpus_sha256": corpus_hash(text), "seed": SEED, "device": str(device), "validation_share": 0.1,
            "torch": str(torch.__version__), "models": {}}
    models = {}
    sizes = {"lstm": args.hidden, "rnn": rnn_size_matching(args.hidden, len(vocab))}
    for kind, hidden in sizes.items():
        model = make_char_lm(len(vocab), hidden, kind, seed=SEED).to(device)
        torch.manual_seed(SEED)
        started = time.perf_counter()
        lr = args.lr if kind == "lstm" else args.rnn_lr
        losses = train_tbptt(model, train_codes, args.steps, chunk=64, batch=args.batch, lr=lr, clip=1.0, cosine=True,
                             log_every=100, device=device, out=lambda line: print(kind, line, flush=True))
        seconds = time.perf_counter() - started
        model = model.cpu()
        round_to_half(model)
        bits = validation_bits(model, val_codes)
        print(f"{kind}: {hidden} units, {count_parameters(model):,} parameters, validation {bits:.4f} bits/char, "
              f"{seconds:.0f} s", flush=True)
        meta["models"][kind] = {"hidden": hidden, "parameters": count_parameters(model), "steps": args.steps,
                                "chunk": 64, "batch": args.batch, "lr": lr, "schedule": "cosine", "train_seconds": round(seconds, 1),
                                "validation_bits": bits, "loss_curve": [round(x, 4) for x in losses[::10]]}
        models[kind] = model
    if args.chunk_study_from is not None:
        old = torch.load(args.chunk_study_from, map_location="cpu", weights_only=True)["meta"]
        if old["corpus_sha256"] != meta["corpus_sha256"] or old["seed"] != SEED:
            raise SystemExit(f"{args.chunk_study_from}: another corpus or seed; rerun the chunk study")
        meta["chunk_study"] = old["chunk_study"]
        print("chunk study copied from", args.chunk_study_from, flush=True)
    elif not args.no_chunk_study:
        # Same characters per update (chunk x batch = 1280) and the same number of updates,
        # so the runs differ only in how far back each gradient can reach.
        study = []
        for chunk, batch in ((5, 256), (20, 64), (80, 16), (320, 4)):
            model = make_char_lm(len(vocab), 64, "lstm", seed=SEED).to(device)
            torch.manual_seed(SEED)
            started = time.perf_counter()
            train_tbptt(model, train_codes, 300, chunk=chunk, batch=batch, lr=4e-3, device=device)
            model = model.cpu()
            row = {"chunk": chunk, "batch": batch, "updates": 300, "hidden": 64,
                   "validation_bits": validation_bits(model, val_codes),
                   "closing_paren_bits": closing_bits(model, val_codes, vocab, torch.device("cpu")),
                   "seconds": round(time.perf_counter() - started, 1)}
            print("chunk study", row, flush=True)
            study.append(row)
        meta["chunk_study"] = study
    save_checkpoint(args.out, models, vocab, meta)
    print(f"wrote {args.out} ({Path(args.out).stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
