"""Printing results: a readable table, then one JSON line with every figure."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of `samples` (0 when empty)."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(math.ceil(fraction * len(ordered)) - 1, 0)
    return ordered[rank]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(seconds, 0.50) * 1000, 3),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 3),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 3),
    }


def print_table(title: str, rows: list[tuple[str, Any]]) -> None:
    width = max(len(name) for name, _ in rows)
    print(f"\n{title}")
    print("-" * (width + 24))
    for name, value in rows:
        shown = f"{value:,.1f}" if isinstance(value, float) else str(value)
        print(f"{name:<{width}}  {shown}")


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def print_json(figures: dict[str, Any]) -> None:
    print(json.dumps(figures, sort_keys=True))
