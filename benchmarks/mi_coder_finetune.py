"""Benchmark: the MI coder's logistic heads vs the MiniLM encoder fine-tuned end to end, on the same folds.

The issue lets the coder be "the encoder fine-tuned with a head if that is
clearly better; you choose by measurement". This is that measurement, in one
run, grouped 5-fold cross-validation by transcript on the AnnoMI files in
`../shared/data/annomi/` (same folds for every contender):

- lr: the committed design (frozen MiniLM features + logistic heads,
  `mi_coder_train`: C, class-prior correction, context dropout);
- ft: all-MiniLM-L6-v2 fine-tuned end to end with four heads trained
  together (input: the previous turn [SEP] "role: utterance", mean pooled,
  3 epochs, AdamW lr 5e-5 with warm-up and linear decay, batches grouped by
  length);
- ens: the average of both contenders' probabilities.

Prints macro-F1 per task (behaviour, reflection subtype, question subtype,
client talk) side by side. About 45 minutes on 2 CPU cores (the fine-tuning;
`--epochs 1` for a quick look); torch threads = `--threads`.

Usage: python benchmarks/mi_coder_finetune.py [--epochs 3] [--threads 2] [--annomi ../shared/data/annomi]
       [--max-transcripts N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def folds_of(examples: list[dict], k: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    """Grouped (by transcript) shuffled folds over all utterances, shared by every contender."""
    from sklearn.model_selection import GroupKFold

    groups = np.array([e["transcript_id"] for e in examples])
    return list(GroupKFold(n_splits=k, shuffle=True, random_state=0).split(np.zeros(len(examples)), groups=groups))


def labels_of(examples: list[dict]) -> dict[str, np.ndarray]:
    """Per task, the class index of each utterance (-1 where the task does not apply)."""
    from interosight_core.evaluate.mi_coder import TASKS

    return {t: np.array([TASKS[t][2].index(e[t]) if e[t] in TASKS[t][2] else -1 for e in examples]) for t in TASKS}


def run_lr(examples: list[dict], folds) -> dict[str, np.ndarray]:
    """Out-of-fold probabilities of the committed design (frozen features + logistic heads)."""
    from interosight_core.evaluate.features import build_features, without_context
    from interosight_core.evaluate.mi_coder import TASKS
    from interosight_core.evaluate.mi_coder_train import (
        DEFAULT_C,
        DEFAULT_CONTEXT_DROPOUT,
        DEFAULT_PRIOR_EXPONENT,
        fit_head,
    )

    x = build_features([e["text"] for e in examples], [e["context"] for e in examples], threads=2)
    x_noctx = without_context(x, [e["text"] for e in examples])
    dropped = np.random.default_rng(0).random(len(examples)) < DEFAULT_CONTEXT_DROPOUT
    oof = {t: np.zeros((len(examples), len(TASKS[t][2])), dtype=np.float32) for t in TASKS}
    for train, test in folds:
        for task, (role, _column, classes) in TASKS.items():
            rows = np.array([i for i in train if examples[i]["role"] == role and examples[i][task] in classes])
            y, dup = np.array([examples[i][task] for i in rows]), dropped[rows]
            head = fit_head(np.vstack([x[rows], x_noctx[rows[dup]]]), np.concatenate([y, y[dup]]), classes,
                            DEFAULT_C, 0, DEFAULT_PRIOR_EXPONENT)
            oof[task][test] = head.predict_proba(x[test])
    return oof


def run_ft(examples: list[dict], folds, epochs: int, lr: float = 5e-5, batch: int = 16) -> dict[str, np.ndarray]:
    """Out-of-fold probabilities of the encoder fine-tuned end to end with four heads."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from interosight_core.encoder import model_path
    from interosight_core.evaluate.mi_coder import TASKS

    tokenizer = AutoTokenizer.from_pretrained(str(model_path()))
    ctx = tokenizer([e["context"] or "(start)" for e in examples], add_special_tokens=False)["input_ids"]
    utt = tokenizer([f"{e['role']}: {e['text']}" for e in examples], add_special_tokens=False)["input_ids"]
    ids = []
    for c, u in zip(ctx, utt):
        u = u[:88]
        ids.append([tokenizer.cls_token_id] + c[-(125 - len(u)):] + [tokenizer.sep_token_id] + u + [tokenizer.sep_token_id])
    lengths = np.array([len(x) for x in ids])
    labels = labels_of(examples)

    def collate(rows):
        width = int(lengths[rows].max())
        x = torch.zeros((len(rows), width), dtype=torch.long)
        mask = torch.zeros_like(x)
        for r, i in enumerate(rows):
            x[r, : lengths[i]] = torch.tensor(ids[i])
            mask[r, : lengths[i]] = 1
        return x, mask

    class Coder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(model_path()))
            self.heads = torch.nn.ModuleDict({t: torch.nn.Linear(384, len(TASKS[t][2])) for t in TASKS})

        def forward(self, x, mask):
            hidden = self.encoder(input_ids=x, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).float()
            pooled = (hidden * m).sum(1) / m.sum(1)
            return {t: head(pooled) for t, head in self.heads.items()}

    oof = {t: np.zeros((len(examples), len(TASKS[t][2])), dtype=np.float32) for t in TASKS}
    for fold, (train, test) in enumerate(folds):
        torch.manual_seed(fold)
        rng = np.random.RandomState(fold)
        model = Coder()
        optim = torch.optim.AdamW([{"params": model.encoder.parameters(), "lr": lr},
                                   {"params": model.heads.parameters(), "lr": 1e-3}], weight_decay=0.01)
        steps = epochs * -(-len(train) // batch)
        sched = torch.optim.lr_scheduler.LambdaLR(optim, lambda s: min(1.0, s / (0.06 * steps)) * max(0.0, 1 - s / steps))
        model.train()
        for epoch in range(epochs):
            order = train[rng.permutation(len(train))]
            chunks = [order[i : i + batch * 50] for i in range(0, len(order), batch * 50)]
            order = np.concatenate([c[np.argsort(lengths[c])] for c in chunks])  # length-grouped batches
            batches = [order[i : i + batch] for i in range(0, len(order), batch)]
            rng.shuffle(batches)
            for rows in batches:
                out = model(*collate(rows))
                loss = sum(torch.nn.functional.cross_entropy(out[t][labels[t][rows] >= 0],
                                                             torch.tensor(labels[t][rows][labels[t][rows] >= 0]))
                           for t in TASKS if (labels[t][rows] >= 0).any())
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optim.step(), sched.step(), optim.zero_grad()
            print(f"  ft fold {fold + 1}/{len(folds)} epoch {epoch + 1}/{epochs} done", file=sys.stderr, flush=True)
        model.eval()
        with torch.no_grad():
            for i in range(0, len(test), 64):
                rows = test[i : i + 64]
                out = model(*collate(rows))
                for t in TASKS:
                    oof[t][rows] = torch.softmax(out[t], -1).numpy()
    return oof


def main() -> None:
    """Run both contenders on the same folds and print macro-F1 side by side."""
    from sklearn.metrics import f1_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annomi", type=Path, default=ROOT.parent / "shared" / "data" / "annomi")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-transcripts", type=int, default=None, help="a quick look on the first N transcripts")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    from interosight_core.evaluate.mi_coder_train import load_annomi_examples

    examples = load_annomi_examples(args.annomi / "AnnoMI-simple.train.csv", args.annomi / "AnnoMI-full.train.csv",
                                    max_transcripts=args.max_transcripts)
    folds, labels = folds_of(examples), labels_of(examples)
    started = time.perf_counter()
    lr = run_lr(examples, folds)
    lr_s = time.perf_counter() - started
    ft = run_ft(examples, folds, args.epochs)
    ft_s = time.perf_counter() - started - lr_s
    print(f"{len(examples)} utterances, grouped 5-fold; lr {lr_s:.0f} s, ft {ft_s:.0f} s ({args.epochs} epochs)")
    print(f"{'task':<20}{'lr':>8}{'ft':>8}{'ens':>8}{'target':>8}")
    targets = {"behaviour": 0.80, "reflection_subtype": 0.70, "question_subtype": 0.85, "client_talk": 0.60}
    for task, y in labels.items():
        rows = y >= 0
        scores = [f1_score(y[rows], p[task][rows].argmax(1), average="macro") for p in (lr, ft, {
            t: (lr[t] + ft[t]) / 2 for t in lr})]
        print(f"{task:<20}" + "".join(f"{s:>8.3f}" for s in scores) + f"{targets[task]:>8.2f}")


if __name__ == "__main__":
    main()
