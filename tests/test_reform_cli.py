"""Each 2025 kind (rename, establish, split, abolish_level) from a proposal file through
``mergepilot validate``, the store (``propose``, ``fire``, ``advance``) and ``simulate``,
on the sample and on Núi Xanh; applied and reverted exactly. The proposals are derived
from the loaded org (ids, figures, who leads what), never the sample's ids."""

from __future__ import annotations

import functools
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from actors import store_with_principals, token_args

from mergepilot.engine import Engine
from mergepilot.engine.cli.example import org_path
from mergepilot.engine.cli.main import main
from mergepilot.orgchart import Org, OrgGraph, Role, load_org
from mergepilot.workflows import Proposal, apply_proposal, decided_by, proposal_from_data

ORGS = ("sample", "nui-xanh")
KINDS = ("rename", "establish", "split", "abolish_level")


def _halves(v: int | None) -> tuple[int | None, int | None]:
    return (None, None) if v is None else (v // 2, v - v // 2)


def _exception(org: Org, province: str) -> dict[str, Any]:
    """A change that adds a unit is growth: allowed by an approved exception proposal
    (exception_ref), here a rearrangement keeping a provincial body's staff quota."""
    assert org.as_of is not None
    same = next(u for u in org.units if u.territory == province and u.staff_quota is not None)
    return {"exception_ref": "T-EX", "_before": {
        "id": "T-EX", "kind": "internal_rearrangement", "title": "exception",
        "units": [same.id], "staff_quota_after": same.staff_quota,
        "approved": (org.as_of + timedelta(days=10)).isoformat(),
        "effective": (org.as_of + timedelta(days=20)).isoformat()}}


@functools.cache
def _org(name: str) -> Org:
    return load_org(org_path(name))


def _proposal(kind: str, org: Org) -> dict[str, Any]:
    g = OrgGraph(org)
    assert org.as_of is not None
    province = sorted(t.id for t in org.territories if t.level == "province")[0]
    on = (org.as_of + timedelta(days=60)).isoformat()
    base: dict[str, Any] = {"id": f"T-{kind}", "kind": kind, "effective": on,
                            "title": f"{kind} on {org.name[:20]}"}
    top = sorted(u.id for u in org.units if u.territory == province)
    if kind == "rename":
        u = g.unit(top[0])
        return {**base, "units": [u.id], "name_after": f"{u.name} (tên mới)"}
    if kind == "establish":
        code = sorted(f.code for f in org.functions)[0]
        return {**base, "new_unit": {"id": "T-NEW", "name": "Cơ quan mới", "bloc": "state",
                                     "level": "province", "territory": province,
                                     "staff_quota": 0, "divisions": 0, "parent": top[0]},
                "functions": {code: "support"}, **_exception(org, province)}
    if kind == "split":
        u = next(g.unit(x) for x in sorted(v.id for v in org.units)
                 if len(g.functions_of(x)) >= 2 and g.unit(x).level == "district")
        own = sorted(g.functions_of(u.id))
        parts = [f"{u.id}-A", f"{u.id}-B"]
        figures = {f: _halves(getattr(u, f)) for f in
                   ("staff_quota", "staff_actual", "deputies", "divisions")}
        return {**base, **_exception(org, province), "units": [u.id], "parts": [
            {"id": p, "name": f"{u.name} {i + 1}", "bloc": u.bloc.value, "level": "district",
             "territory": u.territory, "parent": u.parent,
             **{f: v[i] for f, v in figures.items()}} for i, p in enumerate(parts)],
            "split_functions": {f: parts[i % 2] for i, f in enumerate(own)},
            "posts_to": {p.id: parts[0] for p in org.posts if p.unit == u.id}}
    # every district body to the provincial body leading most of what it leads: what is
    # led there already goes as support, so no gap and no second lead
    prov = [u for u in org.units if u.territory == province]
    leads = {u.id: {a.function for a in g.assignments(u.id) if a.role == Role.LEAD}
             for u in prov}
    bodies = {}
    for d in sorted(u.id for u in org.units if u.level == "district"):
        own = {a.function for a in g.assignments(d)}
        bodies[d] = max(sorted(leads), key=lambda p, own=own: len(own & leads[p]))
    return {**base, "level": "district", "bodies_to": bodies}


def _run(args: list[str], capsys: pytest.CaptureFixture[str],
         stdout_only: bool = False) -> tuple[int, str]:
    rc = main(args)
    out = capsys.readouterr()
    return rc, out.out if stdout_only else out.out + out.err


def _file(path: Path, proposals: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump(proposals, allow_unicode=True), encoding="utf-8")
    return path


def _no_errors(name: str, file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = _run(["validate", str(file), "--org", name, "--format", "json"], capsys,
                   stdout_only=True)
    report = json.loads(out)
    assert not report["problems"] and rc in (0, 1), out
    assert not [f for f in report["findings"] if f["severity"] == "error"], out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ORGS)
def test_a_2025_kind_from_a_file_validates_and_reverts_exactly(
        name: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    org = _org(name)
    data = _proposal(kind, org)
    first = [data.pop("_before")] if "_before" in data else []
    if name != "sample":  # the sample validates them all at once below (it is slower)
        _no_errors(name, _file(tmp_path / "p.yaml", [*first, data]), capsys)
    g = OrgGraph(org)
    for e in first:
        apply_proposal(g, proposal_from_data(e))
    before = g.to_org()
    rec = apply_proposal(g, proposal_from_data(data))
    assert g.to_org() != before
    g.revert(rec)
    assert g.to_org() == before


@pytest.mark.parametrize("name", ORGS)
def test_the_2025_kinds_through_the_store_and_simulate(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """rename, establish and split on one day, then the district level ends the next day
    (its receivers computed on the org those leave): proposed from one file, each decided
    by its deciding body, in force on the store's clock, and simulated."""
    org = _org(name)
    plan: list[dict[str, Any]] = []
    g = OrgGraph(org)
    for kind in KINDS[:3]:
        data = _proposal(kind, org)
        before = data.pop("_before", None)
        if before is not None and before["id"] not in {d["id"] for d in plan}:
            plan.insert(0, before)
            apply_proposal(g, proposal_from_data(before))
        plan.append(data)
        apply_proposal(g, proposal_from_data(data))
    abolish = _proposal("abolish_level", g.to_org())
    assert org.as_of is not None
    abolish["effective"] = (org.as_of + timedelta(days=61)).isoformat()
    plan.append(abolish)
    file = _file(tmp_path / "plan.yaml", plan)
    _no_errors(name, file, capsys)
    props = [proposal_from_data(d) for d in plan]
    deciders = {}
    g = OrgGraph(org)
    for p in props:
        (deciders[p.id],) = decided_by(p, g)
        apply_proposal(g, p)
    assert deciders[abolish["id"]] == "national_assembly"
    assert set(deciders.values()) == {"standing_committee", "national_assembly"}

    if name == "nui-xanh":  # the sample's store run is minutes on a shared machine
        _through_the_store(name, file, props, deciders, g.to_org(), tmp_path, capsys)

    r_json = tmp_path / "r.json"
    year = str(org.as_of.year)
    rc, out = _run(["simulate", str(file), "--org", name, "--json", str(r_json),
                    "--from", year, "--to", year], capsys)
    assert rc == 0, out
    result = json.loads(r_json.read_text(encoding="utf-8"))
    assert result["years"][-1]["territories"].get("district", 0) == 0


def _through_the_store(name: str, file: Path, props: list[Proposal], deciders: dict[str, str],
                       after: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    abolish = props[-1]
    db = f"sqlite:///{tmp_path / 'store.db'}"
    store_with_principals(db, tmp_path, ("drafting_body", "standing_committee",
                                         "national_assembly"))
    for args in (["org", "load", name, *token_args("root", db)],
                 ["propose", str(file), *token_args("drafting_body", db)]):
        rc, out = _run([*args, "--db", db], capsys)
        assert rc == 0, (args, out)
    # the provincial body may not decide the end of a level
    rc, out = _run(["fire", abolish.id, "approve", "--reason", "x", "--db", db,
                    *token_args("standing_committee", db)], capsys)
    assert rc != 0 and "decided by national_assembly" in out, out
    # the end of the level is approved once the bodies it names exist (a split's parts)
    days = {str(p.effective): [q for q in props if q.effective == p.effective]
            for p in props}
    for day, due in sorted(days.items()):
        for p in due:
            rc, out = _run(["fire", p.id, "approve", "--reason", "đồng ý", "--db", db,
                            *token_args(deciders[p.id], db)], capsys)
            assert rc == 0, (p.id, out)
        rc, out = _run(["advance", day, "--db", db, *token_args("standing_committee", db)],
                       capsys)
        assert rc == 0, out
    with Engine.open(db, audit_key=None) as eng:
        assert {eng.proposal(p.id).state for p in props} == {"operating"}
        assert eng.org().to_org() == after
