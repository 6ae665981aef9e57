"""Small orgs for the 2025 reorganisation tests: a three-tier province (2 districts,
5 communes) and a central level with two ministries. Written here, never the sample."""

from __future__ import annotations

from datetime import date

from mergepilot.orgchart import Assignment, Function, Org, Person, Post, Territory, Unit


def _unit(id: str, bloc: str, level: str, territory: str, kind: str = "",
          parent: str | None = None, staff: int | None = 10, deputies: int | None = 1,
          divisions: int | None = 0) -> Unit:
    return Unit.model_validate({
        "id": id, "name": f"Cơ quan {id}", "bloc": bloc, "level": level,
        "territory": territory, "kind": kind, "parent": parent, "staff_quota": staff,
        "staff_actual": None if staff is None else staff - 1, "deputies": deputies,
        "divisions": divisions})


def three_tier() -> Org:
    """Province P; districts D1 (communes C1, C2, C3) and D2 (C4, C5, mountainous).

    Each district has a People's Committee (kind ``ubnd``, reporting to the province's),
    a Home Affairs office (``noi_vu``, under its UBND) and a Front committee (``mttq``);
    the province has ``ubnd``, ``noi_vu`` and ``mttq`` bodies. Communes have a People's
    Committee reporting to the district's.
    """
    terrs = [
        Territory(id="P", name="Tỉnh P", level="province", area_km2=5200,
                  population=1_500_000),
        Territory(id="D1", name="Huyện Một", level="district", parent="P", area_km2=400,
                  population=100_000, borders=["D2"]),
        Territory(id="D2", name="Huyện Hai", level="district", parent="P", area_km2=900,
                  population=70_000, borders=["D1"], region="mountainous"),
        Territory(id="C1", name="Xã Một", level="commune", parent="D1", area_km2=10,
                  population=3000, borders=["C2", "C4"]),
        Territory(id="C2", name="Xã Hai", level="commune", parent="D1", area_km2=12,
                  population=3500, borders=["C1", "C3"]),
        Territory(id="C3", name="Xã Ba", level="commune", parent="D1", area_km2=20,
                  population=5000, borders=["C2"]),
        Territory(id="C4", name="Xã Bốn", level="commune", parent="D2", area_km2=60,
                  population=4000, borders=["C1", "C5"], region="mountainous"),
        Territory(id="C5", name="Xã Năm", level="commune", parent="D2", area_km2=70,
                  population=2000, borders=["C4"], region="mountainous"),
    ]
    units = [_unit("P-UB", "state", "province", "P", "ubnd", staff=100),
             _unit("P-SNV", "state", "province", "P", "noi_vu", parent="P-UB", staff=40),
             _unit("P-MT", "front", "province", "P", "mttq", staff=20)]
    for d in ("D1", "D2"):
        units += [_unit(f"{d}-UB", "state", "district", d, "ubnd", parent="P-UB"),
                  _unit(f"{d}-PNV", "state", "district", d, "noi_vu", parent=f"{d}-UB"),
                  _unit(f"{d}-MT", "front", "district", d, "mttq")]
    for c, d in (("C1", "D1"), ("C2", "D1"), ("C3", "D1"), ("C4", "D2"), ("C5", "D2")):
        units.append(_unit(f"{c}-UB", "state", "commune", c, "ubnd", parent=f"{d}-UB",
                           staff=20))
    functions = [Function(code="admin", name="Quản lý hành chính"),
                 Function(code="cadre", name="Công tác cán bộ"),
                 Function(code="front", name="Mặt trận"),
                 Function(code="land", name="Đất đai")]
    assignments = [Assignment(unit="P-UB", function="admin", role="lead"),
                   Assignment(unit="P-SNV", function="cadre", role="lead"),
                   Assignment(unit="P-MT", function="front", role="lead")]
    for d in ("D1", "D2"):
        assignments += [Assignment(unit=f"{d}-UB", function="admin", role="lead"),
                        Assignment(unit=f"{d}-UB", function="land", role="lead"),
                        Assignment(unit=f"{d}-PNV", function="cadre", role="lead"),
                        Assignment(unit=f"{d}-MT", function="front", role="lead")]
    for c in ("C1", "C2", "C3", "C4", "C5"):
        assignments.append(Assignment(unit=f"{c}-UB", function="admin", role="lead"))
    persons = [Person(id=f"h-{u.id}", name=f"Trưởng {u.id}") for u in units]
    posts = [Post(id=f"{u.id}-head", unit=u.id, title="Trưởng", holder=f"h-{u.id}")
             for u in units]
    return Org(name="Tỉnh ba cấp", as_of=date(2025, 1, 1), territories=terrs,
               functions=functions, units=units, assignments=assignments, persons=persons,
               posts=posts).normalized()


def central() -> Org:
    """The central level: two ministries and a central Party board (kind ``ban``)."""
    terrs = [Territory(id="VN", name="Việt Nam", level="central")]
    units = [_unit("BKHDT", "state", "central", "VN", "bo", staff=500, deputies=5,
                   divisions=20),
             _unit("BTC", "state", "central", "VN", "bo", staff=800, deputies=6,
                   divisions=30),
             _unit("BKTTW", "party", "central", "VN", "ban", staff=60, deputies=4,
                   divisions=6)]
    functions = [Function(code="plan", name="Kế hoạch"), Function(code="invest",
                 name="Đầu tư"), Function(code="budget", name="Ngân sách"),
                 Function(code="ethnic", name="Dân tộc"), Function(code="econ",
                 name="Chính sách kinh tế")]
    assignments = [Assignment(unit="BKHDT", function="plan", role="lead"),
                   Assignment(unit="BKHDT", function="invest", role="lead"),
                   Assignment(unit="BTC", function="budget", role="lead"),
                   Assignment(unit="BTC", function="ethnic", role="support"),
                   Assignment(unit="BKTTW", function="econ", role="lead")]
    persons = [Person(id=f"h-{u.id}", name=f"Bộ trưởng {u.id}") for u in units]
    posts = [Post(id=f"{u.id}-head", unit=u.id, title="Bộ trưởng", holder=f"h-{u.id}")
             for u in units] + [Post(id="BKHDT-dep", unit="BKHDT", kind="deputy")]
    return Org(name="Trung ương", territories=terrs, functions=functions, units=units,
               assignments=assignments, persons=persons, posts=posts).normalized()
