"""Small named orgs and hypothesis strategies for random orgs, shared by the tests."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from mergepilot.orgchart import (
    Assignment,
    Function,
    Org,
    Person,
    Post,
    Regulation,
    Territory,
    Unit,
)


def two_districts_with_overlap() -> Org:
    """A province with two districts; in D1 the Organisation Board and the Home Affairs
    office both lead cadre work (a duplicate lead), the Party office has a child unit."""
    return Org(
        name="Tỉnh mẫu nhỏ",
        as_of=date(2018, 1, 1),
        territories=[
            Territory(id="P", name="Tỉnh P", level="province", area_km2=5000, population=1_200_000),
            Territory(id="D1", name="Huyện Một", level="district", parent="P", area_km2=300.5,
                      population=90_000, borders=["D2"]),
            Territory(id="D2", name="Huyện Hai", level="district", parent="P", area_km2=120.0,
                      population=30_000, borders=["D1"], region="mountainous"),
            Territory(id="C1", name="Xã Một", level="commune", parent="D1", area_km2=10,
                      population=3000, borders=["C2"]),
            Territory(id="C2", name="Xã Hai", level="commune", parent="D1", area_km2=12,
                      population=3500, borders=["C1"]),
        ],
        regulations=[Regulation(id="208-QĐ/TW", title="Quy định 208", issued=date(2019, 11, 8))],
        functions=[
            Function(code="cadre", name="Công tác cán bộ", domain="organisation",
                     required_at=["district"]),
            Function(code="inspect", name="Thanh tra", domain="inspection"),
            Function(code="office", name="Văn phòng", domain="office"),
        ],
        units=[
            Unit(id="D1-HU", name="Huyện ủy Một", bloc="party", level="district", territory="D1",
                 staff_quota=5, staff_actual=5, deputies=2, divisions=0),
            Unit(id="D1-BTC", name="Ban Tổ chức Huyện ủy", bloc="party", level="district",
                 territory="D1", parent="D1-HU", staff_quota=7, staff_actual=6, deputies=2,
                 regulations=["208-QĐ/TW"], divisions=0),
            Unit(id="D1-PNV", name="Phòng Nội vụ", bloc="state", level="district",
                 territory="D1", staff_quota=8, staff_actual=8, deputies=2, divisions=1),
            Unit(id="D1-TT", name="Thanh tra huyện", bloc="state", level="district",
                 territory="D1", parent="D1-PNV", staff_quota=6, staff_actual=5, deputies=1,
                 divisions=0),
            Unit(id="D2-PNV", name="Phòng Nội vụ Hai", bloc="state", level="district",
                 territory="D2", staff_quota=8, staff_actual=7, deputies=2, divisions=0),
            Unit(id="C1-UB", name="UBND xã Một", bloc="state", level="commune", territory="C1",
                 staff_quota=20, staff_actual=19, deputies=1, divisions=0),
            Unit(id="C2-UB", name="UBND xã Hai", bloc="state", level="commune", territory="C2",
                 staff_quota=21, staff_actual=20, deputies=1, divisions=0),
        ],
        assignments=[
            Assignment(unit="D1-BTC", function="cadre", role="lead"),
            Assignment(unit="D1-PNV", function="cadre", role="lead"),
            Assignment(unit="D1-PNV", function="office", role="support"),
            Assignment(unit="D1-TT", function="inspect", role="lead"),
            Assignment(unit="D2-PNV", function="cadre", role="lead"),
        ],
        persons=[Person(id="p1", name="Nguyễn Văn A"), Person(id="p2", name="Trần Thị B")],
        posts=[
            Post(id="D1-BTC-head", unit="D1-BTC", holder="p1"),
            Post(id="D1-PNV-head", unit="D1-PNV", holder="p2"),
            Post(id="D1-PNV-dep", unit="D1-PNV", kind="deputy"),
        ],
    ).normalized()


_ALPHABET = "abcdefghijklmnopqrstuvwxyzĐđăâêôơưáàảãạếềểễệ ABCXYZ-()'0123456789"
names = st.text(_ALPHABET, min_size=1, max_size=20).map(str.strip).filter(bool)
counts = st.integers(min_value=0, max_value=500)


@st.composite
def random_orgs(draw: st.DrawFn, max_districts: int = 4, max_units: int = 12) -> Org:
    """A consistent random org: a province, districts with borders, units with an acyclic
    reports-to, functions with lead/support assignments, persons and head posts."""
    n_d = draw(st.integers(1, max_districts))
    districts = [f"D{i}" for i in range(n_d)]
    edges = draw(st.sets(st.tuples(st.sampled_from(districts), st.sampled_from(districts)),
                         max_size=6))
    borders: dict[str, set[str]] = {d: set() for d in districts}
    for a, b in edges:
        if a != b:
            borders[a].add(b)
            borders[b].add(a)
    territories = [Territory(id="P", name="Tỉnh", level="province")] + [
        Territory(id=d, name=draw(names), level="district", parent="P",
                  area_km2=draw(st.integers(0, 100_000)) / 100, population=draw(counts),
                  region=draw(st.sampled_from(["mountainous", "other"])),
                  borders=sorted(borders[d]))
        for d in districts
    ]
    n_f = draw(st.integers(1, 6))
    functions = [Function(code=f"F{i}", name=draw(names),
                          required_at=draw(st.lists(st.sampled_from(["district", "commune"]),
                                                    max_size=1)))
                 for i in range(n_f)]
    n_u = draw(st.integers(1, max_units))
    units: list[Unit] = []
    for i in range(n_u):
        d = draw(st.sampled_from(districts))
        same = [u.id for u in units if u.territory == d]
        parent = draw(st.none() | st.sampled_from(same)) if same else None
        units.append(Unit(id=f"U{i}", name=draw(names),
                          bloc=draw(st.sampled_from(["party", "state", "front",
                                                     "public_service"])),
                          level="district", territory=d, parent=parent,
                          staff_quota=draw(counts), staff_actual=draw(counts),
                          deputies=draw(st.integers(0, 4)), divisions=draw(st.integers(0, 5))))
    pairs = draw(st.sets(st.tuples(st.integers(0, n_u - 1), st.integers(0, n_f - 1)),
                         max_size=3 * n_u))
    assignments = [Assignment(unit=f"U{u}", function=f"F{f}",
                              role=draw(st.sampled_from(["lead", "support"])))
                   for u, f in sorted(pairs)]
    persons = [Person(id=f"H{i}", name=draw(names)) for i in range(n_u)]
    posts = [Post(id=f"U{i}-head", unit=f"U{i}", holder=f"H{i}") for i in range(n_u)]
    return Org(name=draw(names), as_of=draw(st.none() | st.dates(date(2000, 1, 1),
                                                               date(2030, 1, 1))),
               territories=territories, functions=functions, units=units,
               assignments=assignments, persons=persons, posts=posts,
               regulations=[Regulation(id="R1", title="Luật", issued=date(2015, 1, 1))]
               ).normalized()
