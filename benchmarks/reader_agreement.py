"""Benchmark: how well two careful readers agree on the events of the same real texts.

The quality goal of ``kmpost extract`` (issue 10: precision >= 0.9, recall >= 0.85 against one
reader's labels) only means something if careful readers agree with each other at least that well.
A second reader labelled a sample of the real texts independently (never seeing the first reader's
labels nor running the extractor): ``benchmarks/realtexts/labels-second-reader.jsonl`` (labels
only, the texts are in the cache outside git, see ``realtexts/README.md``). This script scores
the second reader against the first exactly as ``extract_quality.py`` scores the extractor (same
value to 3 decimals, unit and reference), and the extractor on the same texts beside it.

Run: ``.venv/bin/python benchmarks/reader_agreement.py``; the figures go into the README.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.extract_quality import REAL_CACHE, REAL_LABELS, Score, score_events  # noqa: E402
from roadbook.extract import extract_events  # noqa: E402

SECOND = ROOT / "benchmarks" / "realtexts" / "labels-second-reader.jsonl"


def _as_events(labels: list[dict[str, object]]) -> list[SimpleNamespace]:
    """A reader's labelled events in the shape :func:`score_events` reads."""
    return [SimpleNamespace(value=float(e["value"]), unit=e["unit"], ref=e["ref"],  # type: ignore[arg-type]
                            category=e.get("category"), line=e.get("line"), sentence="", because=())
            for e in labels]


def main() -> int:
    first = {d["id"]: d for d in map(json.loads, REAL_LABELS.read_text(encoding="utf-8").splitlines())}
    second = [json.loads(x) for x in SECOND.read_text(encoding="utf-8").splitlines()]
    groups: dict[str, tuple[Score, Score, list[str]]] = {}
    for d in second:
        one = first[d["id"]]
        f = REAL_CACHE / f"{d['id']}.txt"
        got = extract_events(f.read_text(encoding="utf-8")) if f.is_file() else None   # once per text
        for key in ("all", one["split"]):
            readers, rules, ids = groups.setdefault(key, (Score(), Score(), []))
            ids.append(d["id"])
            score_events(d["id"], _as_events(d["events"]), one["events"], readers)  # type: ignore[arg-type]
            if got is not None:
                score_events(d["id"], got, one["events"], rules)
    print("| texts | events (first / second reader) | second reader vs first: precision | recall "
          "| extractor vs first: precision | recall |")
    print("|---|---|---|---|---|---|")
    for key, (readers, rules, ids) in sorted(groups.items(), key=lambda kv: (kv[0] != "all", kv[0])):
        print(f"| {key}: {len(ids)} | {readers.labelled} / {readers.extracted} | {readers.precision:.3f} "
              f"({readers.matched}/{readers.extracted}) | {readers.recall:.3f} ({readers.matched}/{readers.labelled}) "
              f"| {rules.precision:.3f} ({rules.matched}/{rules.extracted}) | {rules.recall:.3f} "
              f"({rules.matched}/{rules.labelled}) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
