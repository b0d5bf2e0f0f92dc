"""`python -m bench [NAME...]`: run the benchmarks (all by default) and print their figures."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["import_invoices", "email_throughput", "sweep", "dispatch", "understanding", "notice", "chat"]


def main(names: list[str]) -> int:
    for name in names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}")
        module.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
