"""Run every benchmark, one after another, each printing its own table.

    python bench/run_all.py [--quick]

The machine may be shared: each benchmark compares against its baseline in the same run,
so read the ratios.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    q = ["--quick"] if args.quick else []
    runs = [
        ["bench_load.py", *q, *(["--formats", "json,yaml,csv"] if args.quick else [])],
        ["bench_overlaps.py", *q],
        ["bench_validate.py", *(["--proposals", "200", "--naive", "10"] if args.quick else [])],
        ["bench_lifecycles.py"],
        ["bench_store.py", *(["--realistic", "100", "--repeat", "1"] if args.quick else [])],
        ["bench_startup.py", *q, "--breakdown"],
    ]
    summary = []
    failed = 0
    for cmd in runs:
        print(f"\n===== {' '.join(cmd)}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(HERE / cmd[0]), *cmd[1:]], cwd=HERE)
        summary.append((" ".join(cmd), rc, time.perf_counter() - t0))
        failed += rc != 0
    print("\n===== summary")
    for name, rc, sec in summary:
        print(f"{name:<60} {'ok' if rc == 0 else f'exit {rc}':>8} {sec:8.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
