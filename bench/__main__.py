"""`python -m bench NAME [--quick] [options]`: run one benchmark (or `all`) and print its figures.

Each benchmark starts its own server on a fresh PostgreSQL database built from the migrations,
prints a table, and finally one JSON line with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import sys
import time

from .harness import raise_file_limit
from .report import print_json

BENCHMARKS = ("send", "fanout", "history", "connections", "scale", "search", "unread")
AVAILABLE = tuple(name for name in BENCHMARKS if importlib.util.find_spec(f"bench.{name}"))


def run_async(coroutine):
    # The load generator shares the machine with the server: give it the faster loop too.
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("name", choices=(*AVAILABLE, "all"))
    parser.add_argument("--quick", action="store_true", help="smoke-test sizes (CI)")
    known, _ = parser.parse_known_args(argv)
    names = AVAILABLE if known.name == "all" else (known.name,)
    modules = {name: importlib.import_module(f"bench.{name}") for name in names}
    if known.name != "all":
        modules[known.name].add_arguments(parser)
    options = parser.parse_args(argv)
    raise_file_limit()

    results = {}
    for name, module in modules.items():
        if known.name == "all":
            module.add_arguments(bench_parser := argparse.ArgumentParser())
            bench_options = bench_parser.parse_args([])
        else:
            bench_options = options
        if options.quick:
            module.quick(bench_options)
        started = time.monotonic()
        results[name] = run_async(module.run(bench_options))
        results[name]["seconds"] = round(time.monotonic() - started, 1)
    print_json(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
