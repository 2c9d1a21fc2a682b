"""Train the mention judge of ``kmpost extract`` (roadbook/extract/mentions.py) on the labelled real texts.

Needs the real-text cache (``benchmarks/realtexts/README.md``; the texts are not in git). For every
cached text of the chosen splits, the rules run alone (``extract`` without a model); every
written distance of the text (:func:`roadbook.extract.mentions.find_mentions`) gets its features
and a class from the labels: the ``ref`` of the labelled event of the same line, value and unit,
else ``none``. A multinomial logistic regression (numpy, full-batch Adam, L2) is fitted on them.

Usage::

    python benchmarks/train_mentions.py --cv           # 5-fold cross-validation by text, no model written
    python benchmarks/train_mentions.py --eval-split holdout-6,holdout-7   # fit on the others, score these
    python benchmarks/train_mentions.py --write model.json   # fit on all, write the model (weights only)

``--cv`` prints, per fold and summed, the precision and recall (value + unit + ref, as
``benchmarks/extract_quality.py`` scores) of the rules alone and of rules + judge for a grid of
thresholds; ``--write`` stores the thresholds given (``--add-at``, ``--drop-at``) with the figures
of the cross-validation in the model's ``meta``. Splits never trained on: ``--exclude``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.extract_quality import REAL_LABELS, Score, score_events  # noqa: E402
from roadbook.extract.events import Event, extract, prepare  # noqa: E402
from roadbook.extract.mentions import (  # noqa: E402
    CLASSES,
    Mention,
    MentionModel,
    Verdict,
    read_mentions,
    select,
)

CACHES = [Path(p) for p in os.environ.get("KMPOST_REALTEXT_CACHES", "/work/cache/realtexts").split(":")]


@dataclass
class Text:
    """One cached labelled text, read by the rules: its mentions' features and classes."""

    id: str
    split: str
    labels: list[dict[str, object]]
    rule_events: list[Event]
    feats: list[list[str]]
    classes: list[int]          # index into CLASSES, -1 = left out of training (a range)
    rule_index: list[int | None]  # the rule event made of each mention
    mentions: list[Mention]


def _find(id_: str) -> Path | None:
    return next((c / f"{id_}.txt" for c in CACHES if (c / f"{id_}.txt").is_file()), None)


def _legs(labels: list[dict[str, object]]) -> list[tuple[int, float, str]]:
    """(line, leg, unit) of the labelled cumulative events: each one's value less the one before
    it of the same unit, in line order (the first one's whole value)."""
    out: list[tuple[int, float, str]] = []
    last: dict[str, float] = {}
    for e in sorted((e for e in labels if e["ref"] == "cumulative"), key=lambda e: int(e["line"])):  # type: ignore[call-overload]
        v, u = float(e["value"]), str(e["unit"])  # type: ignore[arg-type]
        out.append((int(e["line"]), round(v - last.get(u, 0.0), 3) if v >= last.get(u, 0.0) else v, u))  # type: ignore[call-overload]
        last[u] = v
    return out


def _is_leg(m: Mention, legs: list[tuple[int, float, str]]) -> bool:
    """Whether mention ``m`` is one of ``legs`` (:func:`_legs`) on its line or within two."""
    return any(abs(line - m.line) <= 2 and unit == m.unit and abs(leg - m.value) < 0.01 for line, leg, unit in legs)


def load_texts(exclude: set[str]) -> list[Text]:
    """The cached labelled texts of every split but ``exclude``, read by the rules alone."""
    out = []
    for row in REAL_LABELS.read_text(encoding="utf-8").splitlines():
        d = json.loads(row)
        f = _find(str(d["id"]))
        if d["split"] in exclude or f is None:
            continue
        raw = f.read_text(encoding="utf-8")
        ex = extract(raw, str(d["id"]))
        lines = prepare(raw).split("\n")
        rows = [(e.line, e.value, e.unit, e.ref, e.structure or "sentence") for e in ex.events]
        read = read_mentions(lines, rows, [u[0] for u in ex.unplaced])
        labels = list(d["events"])
        free = list(range(len(labels)))
        legs = _legs(labels)
        classes = []
        for m, _f, _hit in read:
            hit = None
            for near in (0, 1, -1):
                hit = next((j for j in free if int(labels[j]["line"]) == m.line + near
                            and labels[j]["unit"] == m.unit
                            and abs(float(labels[j]["value"]) - m.value) < 0.01), None)
                if hit is not None:
                    break
            if hit is None:
                classes.append(CLASSES.index("leg") if _is_leg(m, legs) else 0)
            else:
                free.remove(hit)
                ref = str(labels[hit]["ref"])
                classes.append(CLASSES.index(ref) if ref in CLASSES else -1)
        mentions = [m for m, _f, _h in read]
        feats = [f for _m, f, _h in read]
        rule_index = [h for _m, _f, h in read]
        out.append(Text(str(d["id"]), str(d["split"]), labels, ex.events, feats, classes, rule_index,
                        list(mentions)))
    return out


def fit(texts: list[Text], l2: float = 1e-3, steps: int = 400, min_count: int = 2) -> MentionModel:
    """A multinomial logistic regression on the mentions of ``texts`` (features seen at least
    ``min_count`` times)."""
    counts: dict[str, int] = {}
    for t in texts:
        for fs in t.feats:
            for x in set(fs):
                counts[x] = counts.get(x, 0) + 1
    vocab = {x: i for i, x in enumerate(sorted(x for x, c in counts.items() if c >= min_count))}
    rows, cols, ys = [], [], []
    n = 0
    for t in texts:
        for fs, cls in zip(t.feats, t.classes, strict=True):
            if cls < 0:
                continue
            idx = sorted({vocab[x] for x in fs if x in vocab})
            rows += [n] * len(idx)
            cols += idx
            ys.append(cls)
            n += 1
    r, col, labels = np.array(rows), np.array(cols), np.array(ys)
    n_rows = len(ys)
    k = len(CLASSES)
    w = np.zeros((len(vocab), k))
    m1, m2 = np.zeros_like(w), np.zeros_like(w)
    onehot = np.eye(k)[labels]
    for step in range(1, steps + 1):
        z = np.zeros((n_rows, k))
        np.add.at(z, r, w[col])
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g_rows = (p - onehot) / n_rows
        g = np.zeros_like(w)
        np.add.at(g, col, g_rows[r])
        g += l2 * w
        m1 = 0.9 * m1 + 0.1 * g
        m2 = 0.999 * m2 + 0.001 * g * g
        w -= 0.05 * (m1 / (1 - 0.9 ** step)) / (np.sqrt(m2 / (1 - 0.999 ** step)) + 1e-8)
    names = sorted(vocab, key=vocab.__getitem__)
    weights = {x: [float(v) for v in w[vocab[x]]] for x in names if np.abs(w[vocab[x]]).max() >= 0.005}
    return MentionModel(weights, add_at=0.5, drop_at=0.9)


def verdicts_of(t: Text, model: MentionModel) -> list[Verdict]:
    return [Verdict(m, tuple(model.probabilities(fs)), ri)
            for m, fs, ri in zip(t.mentions, t.feats, t.rule_index, strict=True)]


def system_events(t: Text, found: list[Verdict], add_at: float, drop_at: float) -> list[Event]:
    """The events rules + judge give at these thresholds (as :func:`extract` would)."""
    rows = [(e.line, e.value, e.unit, e.ref, e.structure or "sentence") for e in t.rule_events]
    drop, add = select(found, add_at, drop_at, rows)
    out = [e for j, e in enumerate(t.rule_events) if j not in drop]
    out += [Event(value, v.mention.unit, ref, "info", "", "low") for v, value, ref in add]
    return out


def score(texts: list[Text], found: dict[str, list[Verdict]] | None, add_at: float, drop_at: float) -> Score:
    s = Score()
    for t in texts:
        got = t.rule_events if found is None else system_events(t, found[t.id], add_at, drop_at)
        score_events(t.id, got, t.labels, s)
    return s


def fold_of(id_: str, k: int) -> int:
    return int(hashlib.sha1(id_.encode()).hexdigest(), 16) % k


GRID = [(a, d) for a in (0.5, 0.6, 0.7, 0.8, 1.01) for d in (0.5, 0.6, 0.7, 0.8, 0.9, 1.01)]


def cross_validate(texts: list[Text], k: int = 5, l2: float = 1e-3) -> dict[tuple[float, float], Score]:
    """Scores of every grid point, each text scored by the model of the fold it was left out of."""
    found: dict[str, list[Verdict]] = {}
    for f in range(k):
        train = [t for t in texts if fold_of(t.id, k) != f]
        model = fit(train, l2=l2)
        for t in texts:
            if fold_of(t.id, k) == f:
                found[t.id] = verdicts_of(t, model)
    return {(a, d): score(texts, found, a, d) for a, d in GRID}


def _line(label: str, s: Score) -> str:
    return (f"{label}: P {s.precision:.3f} R {s.recall:.3f} "
            f"({s.matched} matched, {s.extracted} extracted, {s.labelled} labelled)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv", action="store_true", help="5-fold cross-validation by text")
    ap.add_argument("--write", metavar="PATH", help="fit on all and write the model there (JSON)")
    ap.add_argument("--eval-split", help="instead of folds: fit on the other splits, score this one")
    ap.add_argument("--exclude", default="holdout-8", help="comma-separated splits never trained on")
    ap.add_argument("--add-at", type=float, default=0.7)
    ap.add_argument("--out", help="also append what is printed to this Markdown file")
    ap.add_argument("--l2", type=float, default=1e-3, help="L2 penalty of the fit")
    ap.add_argument("--drop-at", type=float, default=1.01)
    args = ap.parse_args(argv)
    said: list[str] = []

    def say(line: str) -> None:
        print(line)
        said.append(line)

    t0 = time.perf_counter()
    texts = load_texts(set(args.exclude.split(",")) if args.exclude else set())
    n_ev = sum(len(t.labels) for t in texts)
    n_m = sum(len(t.mentions) for t in texts)
    reach = sum(1 for t in texts for y in t.classes if y > 0)
    say(f"{len(texts)} texts, {n_ev} labelled events, {n_m} mentions, {reach} labelled events at a mention "
          f"({time.perf_counter() - t0:.0f} s)")
    say(_line("rules alone", score(texts, None, 1, 1)))
    meta: dict[str, object] = {}
    if args.eval_split:
        held = set(args.eval_split.split(","))
        train = [t for t in texts if t.split not in held]
        test = [t for t in texts if t.split in held]
        model = fit(train, l2=args.l2)
        found = {t.id: verdicts_of(t, model) for t in test}
        say(_line(f"{args.eval_split}: rules alone", score(test, None, 1, 1)))
        for a, d in GRID:
            say(_line(f"{args.eval_split}: rules + judge, add at {a}, drop at {d}", score(test, found, a, d)))
    if args.cv:
        cv = cross_validate(texts, l2=args.l2)
        for (a, d), s in cv.items():
            say(_line(f"rules + judge, add at {a}, drop at {d}", s))
        chosen = cv.get((args.add_at, args.drop_at))
        if chosen is not None:
            meta["cv"] = {"precision": round(chosen.precision, 3), "recall": round(chosen.recall, 3)}
    if args.write:
        model = fit(texts, l2=args.l2)
        model.add_at, model.drop_at = args.add_at, args.drop_at
        splits = sorted({t.split for t in texts})
        model.meta = {"trained_on": {"texts": len(texts), "events": n_ev, "mentions": n_m, "splits": splits},
                      "labels": "benchmarks/realtexts/labels.jsonl", **meta,
                      "note": "feature weights only; no text of the sources is stored"}
        Path(args.write).write_text(model.to_json() + "\n", encoding="utf-8")
        print(f"wrote {args.write} ({len(model.weights)} features)")
    if args.out:
        out = Path(args.out)
        head = "" if out.is_file() else "# The learned mention judge (benchmarks/train_mentions.py)\n"
        with out.open("a", encoding="utf-8") as f:
            f.write(head + f"\n`python benchmarks/train_mentions.py {' '.join(argv or sys.argv[1:])}`\n\n"
                    "```\n" + "\n".join(said) + "\n```\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
