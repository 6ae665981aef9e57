"""``mergepilot demo``: the main job on the shipped sample province."""

from __future__ import annotations

from .app import app, console
from .org import print_metrics

__all__ = ["demo"]


@app.command("demo")
def demo() -> None:
    """Summarise the shipped sample province and its change since the 2015 baseline."""
    from mergepilot.orgchart import sample_baseline, sample_org

    org = sample_org()
    console.print(f"[bold]{org.name}[/]", highlight=False)
    print_metrics(org, sample_baseline(), as_json=False)
