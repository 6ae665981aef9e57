"""A small district-level org for the proposal and rule tests, with a proposal builder.

``district_with_pilot_units()``: province P with districts D1 and D2 and communes C1..C4.
In D1 the Propaganda & Education Board (D1-TG) and the Political Training Centre (D1-TT)
are separate, as Regulation 208-QĐ/TW wants; the Party Office (D1-VP) and the People's
Committee Office (D1-VPUB) are the two offices of pilot model 1. C1 is below 50% of both
commune standards (10 km2 of 30, 3,000 people of 8,000) and borders C2 and C3; C2 is
just above half, and C1 + C2 is still below the full standard.
"""

from __future__ import annotations

from datetime import date
from typing import Any

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
from mergepilot.workflows import Proposal


def _unit(id: str, name: str, bloc: str, territory: str, level: str = "district",
          **kw: Any) -> Unit:
    kw.setdefault("divisions", 0)  # figures are explicit: an omitted one is unknown
    return Unit(id=id, name=name, bloc=bloc, level=level, territory=territory, **kw)


def district_with_pilot_units() -> Org:
    return Org(
        name="Tỉnh thử",
        as_of=date(2018, 1, 1),
        territories=[
            Territory(id="P", name="Tỉnh P", level="province", area_km2=5200,
                      population=1_500_000),
            Territory(id="D1", name="Huyện Một", level="district", parent="P", area_km2=500,
                      population=130_000, borders=["D2"]),
            Territory(id="D2", name="Huyện Hai", level="district", parent="P", area_km2=460,
                      population=125_000, borders=["D1"]),
            Territory(id="C1", name="Xã Một", level="commune", parent="D1", area_km2=10,
                      population=3000, borders=["C2", "C3"]),
            Territory(id="C2", name="Xã Hai", level="commune", parent="D1", area_km2=16,
                      population=4200, borders=["C1"]),
            Territory(id="C3", name="Xã Ba", level="commune", parent="D1", area_km2=40,
                      population=10_000, borders=["C1"]),
            Territory(id="C4", name="Xã Bốn", level="commune", parent="D2", area_km2=35,
                      population=9000),
        ],
        regulations=[
            Regulation(id="18-NQ/TW", title="Nghị quyết 18", issued=date(2017, 10, 25)),
            Regulation(id="34-KL/TW", title="Kết luận 34", issued=date(2018, 8, 7)),
            Regulation(id="208-QĐ/TW", title="Quy định 208 về Trung tâm Chính trị cấp huyện",
                       issued=date(2019, 11, 8)),
            Regulation(id="05-HD/BTCTW", title="Hướng dẫn 05", issued=date(2021, 5, 19)),
        ],
        functions=[
            Function(code="PROP-PROPAGANDA", name="Tuyên truyền", domain="propaganda",
                     required_at=["district"]),
            Function(code="PROP-THEORY", name="Bồi dưỡng lý luận chính trị",
                     domain="propaganda", required_at=["district"]),
            Function(code="party_office", name="Văn phòng cấp ủy"),
            Function(code="state_office", name="Văn phòng HĐND-UBND"),
            Function(code="home_affairs", name="Nội vụ"),
            Function(code="commune_admin", name="Quản lý hành chính xã",
                     required_at=["commune"]),
            Function(code="planning", name="Kế hoạch", required_at=["province"]),
        ],
        units=[
            _unit("P-SKH", "Sở Kế hoạch và Đầu tư", "state", "P", "province",
                  kind="department", staff_quota=60, staff_actual=55, deputies=3, divisions=6),
            _unit("P-STC", "Sở Tài chính", "state", "P", "province", kind="department",
                  staff_quota=50, staff_actual=48, deputies=2, divisions=5),
            _unit("D1-TG", "Ban Tuyên giáo Huyện ủy", "party", "D1", kind="party_board",
                  staff_quota=6, staff_actual=6, deputies=1),
            _unit("D1-TT", "Trung tâm Chính trị huyện", "public_service", "D1", kind="center",
                  staff_quota=5, staff_actual=4, deputies=1),
            _unit("D1-VP", "Văn phòng Huyện ủy", "party", "D1", kind="party_office",
                  staff_quota=10, staff_actual=9, deputies=2),
            _unit("D1-VPUB", "Văn phòng HĐND-UBND", "state", "D1", kind="pc_office",
                  staff_quota=14, staff_actual=13, deputies=2, divisions=1),
            _unit("D1-NV", "Phòng Nội vụ", "state", "D1", kind="division", staff_quota=7,
                  staff_actual=7, deputies=1),
            _unit("D2-TG", "Ban Tuyên giáo Huyện ủy Hai", "party", "D2",
                  kind="party_board", staff_quota=6, staff_actual=5, deputies=1),
            _unit("D2-VP", "Văn phòng Huyện ủy Hai", "party", "D2", kind="party_office",
                  staff_quota=9, staff_actual=9, deputies=1),
            *(_unit(f"{c}-UB", f"UBND xã {c}", "state", c, "commune", kind="commune_pc",
                    staff_quota=20, staff_actual=19, deputies=1)
              for c in ("C1", "C2", "C3", "C4")),
        ],
        assignments=[
            Assignment(unit="P-SKH", function="planning", role="lead"),
            Assignment(unit="P-STC", function="planning", role="support"),
            Assignment(unit="D1-TG", function="PROP-PROPAGANDA", role="lead"),
            Assignment(unit="D1-TT", function="PROP-THEORY", role="lead"),
            Assignment(unit="D1-TG", function="PROP-THEORY", role="support"),
            Assignment(unit="D1-VP", function="party_office", role="lead"),
            Assignment(unit="D1-VPUB", function="state_office", role="lead"),
            Assignment(unit="D1-NV", function="home_affairs", role="lead"),
            Assignment(unit="D2-TG", function="PROP-PROPAGANDA", role="lead"),
            Assignment(unit="D2-VP", function="party_office", role="lead"),
            *(Assignment(unit=f"{c}-UB", function="commune_admin", role="lead")
              for c in ("C1", "C2", "C3", "C4")),
        ],
        persons=[Person(id="p1", name="Nguyễn Văn A"), Person(id="p2", name="Trần Thị B")],
        posts=[
            Post(id="D1-VP-head", unit="D1-VP", holder="p1"),
            Post(id="D1-VPUB-head", unit="D1-VPUB", holder="p2"),
            Post(id="D1-TG-head", unit="D1-TG"),
        ],
    ).normalized()


def proposal(**fields: Any) -> Proposal:
    """A proposal with an id, a title and the 18-NQ/TW basis unless given."""
    data: dict[str, Any] = {"id": "X1", "title": "test",
                            "regulations": ["18-NQ/TW"], **fields}
    return Proposal.model_validate(data)


def new_unit(id: str, territory: str = "D1", level: str = "district", bloc: str = "party",
             **kw: Any) -> dict[str, Any]:
    return {"id": id, "name": f"Đơn vị {id}", "bloc": bloc, "level": level,
            "territory": territory, **kw}
