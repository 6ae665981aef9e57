"""How long the report of the sample story takes to render, against the Matplotlib report
it replaced (the same result, same run) and against the floor (the result's JSON).

    python bench/bench_report.py [--repeat N]

The simulation runs once, outside the timings. "first" is the first render in a fresh
process's state (catalog read, locale data, template loaded from Jinja's bytecode cache);
"again" the best of N later renders. The Matplotlib report is the one of commit 51c2b1b,
loaded from git (skipped when git or that commit is not there).
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OLD = "51c2b1b"


def _old_report(tmp: Path) -> Callable[..., str] | None:
    """render_report of the Matplotlib report, with its own template."""
    try:
        src = subprocess.run(["git", "-C", str(ROOT), "show", f"{OLD}:engine/planning/report.py"],
                             capture_output=True, text=True, check=True).stdout
        tpl = subprocess.run(["git", "-C", str(ROOT), "show",
                              f"{OLD}:engine/planning/templates/report.html.j2"],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    (tmp / "report.html.j2").write_text(tpl, encoding="utf-8")
    path = tmp / "old_report.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("mergepilot.engine.planning._old_report", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from jinja2 import FileSystemLoader

    mod.PackageLoader = lambda *_a: FileSystemLoader(str(tmp))  # type: ignore[attr-defined]
    return mod.render_report  # type: ignore[no-any-return]


def _time(fn: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """(first, best of the rest, peak MiB of one run)."""
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return first, best, peak


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from mergepilot.engine.planning import load_scenario, plan_path, render_report, simulate
    from mergepilot.orgchart import sample_baseline, sample_org

    r = simulate(sample_org(), load_scenario(plan_path("quang_ngai_2018_2021")),
                 baseline=sample_baseline())
    rows: list[tuple[str, tuple[float, float, float]]] = [
        ("report, Vietnamese", _time(lambda: render_report(r, lang="vi"), args.repeat)),
        ("report, English", _time(lambda: render_report(r, lang="en"), args.repeat)),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        old = _old_report(Path(tmp))
        if old is not None:
            rows.append((f"Matplotlib report ({OLD})", _time(lambda: old(r), args.repeat)))
    rows.append(("floor: the result's JSON", _time(r.dumps, args.repeat)))
    ref = rows[0][1][1]
    print(f"{len(r.proposals)} proposals, {len(r.findings)} findings; best of {args.repeat}")
    print(f"{'what':34} {'first s':>8} {'again s':>8} {'× report':>9} {'peak MiB':>9}")
    for name, (first, best, peak) in rows:
        print(f"{name:34} {first:8.3f} {best:8.3f} {best / ref:9.2f} {peak:9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
