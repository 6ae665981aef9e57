"""Write the two shipped scenarios for the sample province (engine/planning/plans/*.yaml).

    python scripts/make_plans.py

The plans name the sample's real unit, post and territory ids and compute the staff
figures of merged units from the sample, so regenerate them whenever the sample changes.
The output is deterministic (same sample, same bytes).

* ``quang_ngai_2018_2021.yaml`` -- the source documents' story: the 2018 action programme's pilots,
  Regulation 208 ending the Propaganda/Political Training pilot, the Front's common
  advisory body stuck for legal reasons, the 2020 administrative-unit mergers, attrition.
* ``quang_ngai_concurrent_posts.yaml`` -- a cautious alternative: concurrent posts
  instead of Party-state mergers, deputies cut to the standard at once, less attrition.
* ``two_tier_2025.yaml`` -- the 2025 reorganisation on the sample: provincial
  departments and Party boards merged as at the centre (2025-03-01), the district level
  abolished on 2025-07-01 with each district body's functions and staff going to the
  provincial body that leads the same work, and the communes merged to about a third
  (bordering communes, inside each former district), Kon Tum merged into the province
  (joining the org with the merger, figures unknown: orgchart/data/kon_tum_2025.yaml),
  under the 2025 deputy caps and the 2030 deadline (see the README, "The 2025
  reorganisation").
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from mergepilot.orgchart import Org, OrgGraph, Role, load_org, sample_org
from mergepilot.workflows import apply_proposal, proposal_from_data

OUT = Path(__file__).resolve().parent.parent / "engine" / "planning" / "plans"

SUBMITTED, APPROVED, START = date(2018, 8, 20), date(2018, 9, 20), date(2018, 10, 1)
INTERIM, FINAL, CONCLUSION = date(2019, 10, 31), date(2021, 6, 30), date(2021, 7, 27)
PILOT_REGS = ["18-NQ/TW", "34-KL/TW", "125-KH/TU"]

# Districts of each pilot model (illustrative; seed 000 names Lý Sơn and Đức Phổ for the
# Propaganda/Political Training pilot and Bình Sơn and Lý Sơn for the Front's body).
STORY = {
    "shared_office": ["BT", "LS", "ML", "SH", "STY"],
    "organisation_home_affairs": ["BT", "ML", "STY"],
    "inspection_inspectorate": ["BT", "ML", "STY"],
    "propaganda_political_centre": ["DP", "LS"],
    "front_common_body": ["BS", "LS"],
    "secretary_chair": ["BT", "LS", "ML", "SH", "STY"],
    "mass_mobilisation_front": ["DP", "MD", "NH", "ST", "TN"],
}
COMMUNE_MERGERS = [("BS18", "BS19"), ("BT07", "BT11"), ("DP15", "DP01"), ("MD07", "MD03"),
                   ("NH12", "NH01"), ("ST11", "ST08"), ("TN09", "TN02"), ("SH10", "SH03")]
PAIRS = {  # model -> (kind of change, unit suffixes, new unit suffix, name, bloc)
    "shared_office": ("VPHU", "VP", "VPC", "Văn phòng Huyện ủy và HĐND-UBND"),
    "organisation_home_affairs": ("BTC", "PNV", "BTCNV", "Ban Tổ chức - Nội vụ"),
    "inspection_inspectorate": ("UBKT", "TTR", "UBKTTT", "Ủy ban Kiểm tra - Thanh tra"),
    "propaganda_political_centre": ("BTG", "TTCT", "BTGCT",
                                    "Ban Tuyên giáo và Trung tâm Bồi dưỡng chính trị"),
}
FRONT = ["MTTQ", "HLHPN", "HND", "DTN", "HCCB"]
POLICY_208 = {  # the sample's unit kinds are generic; match by the functions they lead
    "prohibitions": [{
        "regulation": "208-QĐ/TW",
        "kinds": ["amalgamate", "absorb", "common_advisory_body"],
        "units": [{"level": "district", "bloc": "party", "kinds": ["party_board"],
                   "leads": ["PROP-PROPAGANDA"]},
                  {"level": "district", "kinds": ["center"], "leads": ["PROP-THEORY"]}],
        "reason": "Quy định 208-QĐ/TW (08/11/2019): Trung tâm Chính trị cấp huyện là đơn vị "
                  "riêng, không hợp nhất với Ban Tuyên giáo (Kết luận Hội nghị Tỉnh ủy "
                  "Quảng Ngãi lần thứ 4, khóa XX)",
    }],
}


class Sample:
    def __init__(self, org: Org) -> None:
        self.units = {u.id: u for u in org.units}
        self.territories = {t.id: t for t in org.territories}

    def name(self, territory: str) -> str:
        return self.territories[territory].name

    def short(self, district: str) -> str:
        return self.name(district).removeprefix("Huyện ").removeprefix("Thành phố ")

    def sum(self, ids: list[str], field: str) -> int:
        return sum(int(getattr(self.units[i], field)) for i in ids)


def pilot(model: str, places: list[str], *, start: date = START, months: int = 36
          ) -> dict[str, Any]:
    return {"places": places, "duration_months": months, "start": start,
            "interim_review": INTERIM, "final_review": FINAL, "model": model}


def merge_pilot(s: Sample, model: str, d: str, cut: float, deputies_to_standard: bool
                ) -> dict[str, Any]:
    a, b, new, title = PAIRS[model]
    units = [f"{d}-{a}", f"{d}-{b}"]
    quota = s.sum(units, "staff_quota")
    new_unit = {"id": f"{d}-{new}", "name": f"{title} huyện {s.short(d)}", "bloc": "party",
                "level": "district", "territory": d, "parent": f"{d}-HU",
                "kind": "party_board", "regulations": PILOT_REGS}
    p: dict[str, Any] = {
        "id": f"{d}-{model.upper().replace('_', '-')}",
        "title": f"Thí điểm hợp nhất: {title} huyện {s.short(d)}",
        "kind": "amalgamate", "units": units, "new_unit": new_unit,
        "staff_quota_after": round(quota * (1 - cut)),
        "staff_actual_after": min(round(quota * (1 - cut)), s.sum(units, "staff_actual")),
        "submitted": SUBMITTED, "approved": APPROVED, "regulations": PILOT_REGS,
        "drafted_by": "QNG-BTC", "pilot": pilot(model, [d]),
    }
    if deputies_to_standard:
        p["deputies_after"] = 2
    return p


def concurrent(model: str, place: str, post_a: str, post_b: str, title: str
               ) -> dict[str, Any]:
    return {"id": f"{place}-{model.upper().replace('_', '-')}", "title": title,
            "kind": "concurrent_post", "posts": [post_a, post_b], "submitted": SUBMITTED,
            "approved": APPROVED, "regulations": PILOT_REGS, "drafted_by": "QNG-BTC",
            "pilot": pilot(model, [place])}


def front_body(s: Sample, d: str) -> dict[str, Any]:
    units = [f"{d}-{x}" for x in FRONT]
    quota = s.sum(units, "staff_quota")
    return {
        "id": f"{d}-FRONT-COMMON-BODY",
        "title": f"Thí điểm cơ quan tham mưu giúp việc chung khối MTTQ và các đoàn thể "
                 f"huyện {s.short(d)}",
        "kind": "common_advisory_body", "units": units,
        "new_unit": {"id": f"{d}-MTCQ", "name": f"Cơ quan tham mưu giúp việc chung Ủy ban "
                     f"MTTQ và các đoàn thể huyện {s.short(d)}", "bloc": "front",
                     "level": "district", "territory": d, "parent": "QNG-MTTQ",
                     "kind": "committee", "regulations": PILOT_REGS},
        "staff_quota_after": round(quota * 0.85),
        "staff_actual_after": min(round(quota * 0.85), s.sum(units, "staff_actual")),
        "submitted": SUBMITTED, "approved": APPROVED, "regulations": PILOT_REGS,
        "drafted_by": "QNG-BDV",
        "pilot": pilot("front_common_body", [d], start=date(2019, 1, 1)),
    }


def admin_mergers(s: Sample, cut: float) -> list[dict[str, Any]]:
    """Tây Trà into Trà Bồng, and the commune pairs, on 2020-02-01: each territory with its
    bodies -- the People's Committee (or, for a district, the Party Committee) as the
    proposal's ``units`` and every other body of the merged territory folded into its
    counterpart (same id suffix) as ``unit_merges``, staff cut by ``cut``."""
    regs = ["37-NQ/TW", "653/2019/UBTVQH14", "867/NQ-UBTVQH14"]
    out: list[dict[str, Any]] = []
    pairs: list[tuple[str, str, str]] = [("TT", "TB", "HU")]
    pairs += [(a, b, "UB") for a, b in COMMUNE_MERGERS]
    for gone, into, lead in pairs:
        title = f"Sáp nhập {s.name(gone)} vào {s.name(into)}"
        suffixes = sorted(u.split("-", 1)[1] for u in s.units if u.startswith(f"{gone}-"))
        merges = [{"units": [f"{gone}-{suf}"], "into": f"{into}-{suf}"}
                  for suf in suffixes if suf != lead and f"{into}-{suf}" in s.units]
        both = [f"{gone}-{lead}", f"{into}-{lead}"]
        quota = s.sum(both, "staff_quota")
        after = max(1, round(quota * (1 - cut)))
        out.append({
            "id": f"AU-{gone}-{into}", "title": title, "kind": "admin_unit_merger",
            "territories": [gone], "into_territory": into,
            "units": [f"{gone}-{lead}"], "into": f"{into}-{lead}",
            "unit_merges": merges,
            "staff_quota_after": after,
            "staff_actual_after": min(after, s.sum(both, "staff_actual")),
            "submitted": date(2019, 6, 1), "approved": date(2020, 1, 10),
            "effective": date(2020, 2, 1), "regulations": regs, "drafted_by": "QNG-UBND",
        })
    return out


def communes_for_secretary_chair(s: Sample, n: int) -> list[str]:
    merged = {c for pair in COMMUNE_MERGERS for c in pair}
    ids = sorted(t for t, terr in s.territories.items()
                 if terr.level == "commune" and t not in merged and terr.parent != "TT")
    step = len(ids) / n
    return [ids[int(i * step)] for i in range(n)]


def story(s: Sample) -> dict[str, Any]:
    props: list[dict[str, Any]] = []
    for model in ("shared_office", "organisation_home_affairs", "inspection_inspectorate",
                  "propaganda_political_centre"):
        props += [merge_pilot(s, model, d, 0.1, False) for d in STORY[model]]
    props += [front_body(s, d) for d in STORY["front_common_body"]]
    props += [concurrent("secretary_chair", d, f"{d}-HU.head", f"{d}-UBND.head",
                         f"Thí điểm Bí thư Huyện ủy đồng thời là Chủ tịch UBND huyện "
                         f"{s.short(d)}") for d in STORY["secretary_chair"]]
    props += [concurrent("secretary_chair", c, f"{c}-DU.head", f"{c}-UB.head",
                         f"Bí thư Đảng ủy đồng thời là Chủ tịch UBND {s.name(c)}")
              for c in communes_for_secretary_chair(s, 52)]
    props += [concurrent("mass_mobilisation_front", d, f"{d}-BDV.head", f"{d}-MTTQ.head",
                         f"Trưởng Ban Dân vận đồng thời là Chủ tịch Ủy ban MTTQ huyện "
                         f"{s.short(d)}") for d in STORY["mass_mobilisation_front"]]
    props += admin_mergers(s, 0.15)
    events: list[dict[str, Any]] = []
    reason_208 = ("Quy định 208-QĐ/TW ngày 08/11/2019 của Ban Bí thư: Trung tâm Chính trị "
                  "cấp huyện là đơn vị riêng; mô hình không còn phù hợp")
    for d in STORY["propaganda_political_centre"]:
        pid = f"{d}-PROPAGANDA-POLITICAL-CENTRE"
        events += [
            {"on": date(2019, 12, 2), "proposal": pid, "trigger": "suspend",
             "reason": reason_208},
            {"on": date(2020, 6, 30), "proposal": pid, "trigger": "record_final_review",
             "reason": "tổng kết sớm do vướng Quy định 208-QĐ/TW"},
            {"on": date(2020, 7, 1), "proposal": pid, "trigger": "terminate",
             "outcome": "reverted", "reason": reason_208 + "; tách lại như trước thí điểm"},
        ]
    for d in STORY["front_common_body"]:
        pid = f"{d}-FRONT-COMMON-BODY"
        events.append(
            {"on": date(2019, 4, 15), "proposal": pid, "trigger": "suspend",
             "reason": "vướng mắc pháp lý: Điều lệ các đoàn thể không cho phép cơ quan tham "
                       "mưu chung; không thể vận hành theo Đề án đã phê duyệt (Kết luận Hội nghị "
                                 "Tỉnh ủy Quảng Ngãi lần thứ 4, khóa XX)"})
        # Ended when the province ended it (the Conclusion of 2021), after the 2020
        # commune mergers that moved its commune Front committees: the engine unwinds the
        # pilot keeping those later changes (OrgGraph.undo).
        events.append(
            {"on": CONCLUSION, "proposal": pid, "trigger": "terminate",
             "outcome": "reverted",
             "reason": "Kết luận Hội nghị Tỉnh ủy lần thứ 4 khóa XX: kết thúc mô hình"})
    for p in props:
        if p.get("pilot", {}).get("model") == "secretary_chair":
            events.append({"on": CONCLUSION, "proposal": p["id"], "trigger": "terminate",
                           "outcome": "adopted",
                           "reason": "Kết luận Hội nghị Tỉnh ủy lần thứ 4 khóa XX: đã thực "
                                     "hiện cơ bản mô hình, tiếp tục duy trì"})
    return {
        "name": "Quảng Ngãi 2018-2021: kịch bản theo tài liệu",
        "description": (
            "The source documents' story on the sample province: the 2018 action programme's "
            "pilots "
            "(Kế hoạch 125-KH/TU, Kết luận 34-KL/TW), Regulation 208-QĐ/TW ending the "
            "Propaganda/Political Training pilot in Lý Sơn and Đức Phổ, the Front's common "
            "advisory body stuck for legal reasons in Bình Sơn and Lý Sơn, the 2020 "
            "administrative-unit mergers (Tây Trà into Trà Bồng and eight commune pairs, "
            "each with its bodies) and 1.5% yearly attrition. Illustrative: the sample's "
            "staff figures are made up."),
        "baseline_year": 2015, "start": date(2018, 1, 1), "end": date(2021, 12, 31),
        "territory": "LS", "attrition": {"rate": 0.015, "quota": True},
        "policy": POLICY_208, "proposals": props, "events": events,
    }


def concurrent_posts(s: Sample) -> dict[str, Any]:
    props: list[dict[str, Any]] = []
    props += [merge_pilot(s, "shared_office", d, 0.1, True) for d in STORY["shared_office"]]
    props += [concurrent("organisation_home_affairs", d, f"{d}-BTC.head", f"{d}-PNV.head",
                         f"Trưởng Ban Tổ chức đồng thời là Trưởng phòng Nội vụ huyện "
                         f"{s.short(d)}") for d in ["BT", "ML", "STY", "SH"]]
    props += [concurrent("inspection_inspectorate", d, f"{d}-UBKT.head", f"{d}-TTR.head",
                         f"Chủ nhiệm Ủy ban Kiểm tra đồng thời là Chánh Thanh tra huyện "
                         f"{s.short(d)}") for d in ["BT", "ML", "STY", "SH"]]
    districts = sorted(t for t, terr in s.territories.items()
                       if terr.level == "district" and t != "TT")
    props += [concurrent("secretary_chair", d, f"{d}-HU.head", f"{d}-UBND.head",
                         f"Thí điểm Bí thư Huyện ủy đồng thời là Chủ tịch UBND huyện "
                         f"{s.short(d)}") for d in districts[:7]]
    props += [concurrent("secretary_chair", c, f"{c}-DU.head", f"{c}-UB.head",
                         f"Bí thư Đảng ủy đồng thời là Chủ tịch UBND {s.name(c)}")
              for c in communes_for_secretary_chair(s, 70)]
    props += [concurrent("mass_mobilisation_front", d, f"{d}-BDV.head", f"{d}-MTTQ.head",
                         f"Trưởng Ban Dân vận đồng thời là Chủ tịch Ủy ban MTTQ huyện "
                         f"{s.short(d)}") for d in STORY["mass_mobilisation_front"]]
    props += admin_mergers(s, 0.10)
    events = [{"on": CONCLUSION, "proposal": p["id"], "trigger": "terminate",
               "outcome": "adopted",
               "reason": "tổng kết: duy trì mô hình kiêm nhiệm"}
              for p in props if p.get("kind") == "concurrent_post"]
    return {
        "name": "Quảng Ngãi 2018-2021: phương án kiêm nhiệm",
        "description": (
            "A cautious alternative: the Party-state pairs share their head by concurrent "
            "posts instead of merging (no Propaganda/Political Training or Front pilots), "
            "shared offices cut deputies to the standard at once, secretary-chair "
            "concurrency in more places, the same administrative-unit mergers with smaller "
            "staff cuts, and 0.5% yearly attrition."),
        "baseline_year": 2015, "start": date(2018, 1, 1), "end": date(2021, 12, 31),
        "territory": "ML", "attrition": {"rate": 0.005, "quota": True},
        "policy": POLICY_208, "proposals": props, "events": events,
    }


# -- 2025: two-tier local government ---------------------------------------------------

D2025, ABOLISH, CENTRE_2025 = date(2025, 3, 1), date(2025, 7, 1), date(2025, 2, 18)
REGS_2025 = ["18-NQ/TW"]
#: provincial mergers mirroring Resolution 176/2025/QH15 at the centre, and the Party
#: boards: (units, into or new unit id, new name or None, title)
PROVINCE_2025: list[tuple[list[str], str, str | None, str]] = [
    (["QNG-SKHDT"], "QNG-STC", None, "Sáp nhập Sở Kế hoạch và Đầu tư vào Sở Tài chính"),
    (["QNG-SGTVT"], "QNG-SXD", None, "Sáp nhập Sở Giao thông vận tải vào Sở Xây dựng"),
    (["QNG-SNN", "QNG-STNMT"], "QNG-SNNMT", "Sở Nông nghiệp và Môi trường",
     "Hợp nhất Sở Nông nghiệp và PTNT với Sở Tài nguyên và Môi trường"),
    (["QNG-STTTT"], "QNG-SKHCN", None,
     "Sáp nhập Sở Thông tin và Truyền thông vào Sở Khoa học và Công nghệ"),
    (["QNG-SLDTBXH"], "QNG-SNV", None,
     "Sáp nhập Sở Lao động - Thương binh và Xã hội vào Sở Nội vụ"),
    (["QNG-BDV"], "QNG-BTG", None, "Hợp nhất Ban Tuyên giáo và Ban Dân vận Tỉnh ủy"),
    # public service units too (Resolution 19-NQ/TW); the district health centres' work
    # then meets one provincial hospital, not two
    (["QNG-BVSN"], "QNG-BVDK", None,
     "Sáp nhập Bệnh viện Sản - Nhi vào Bệnh viện Đa khoa tỉnh"),
]
POLICY_2025: dict[str, Any] = {
    "deputies_standard": [
        {"level": "central", "max_deputies": 5, "merged_cap": {2: 6, 3: 7},
         "max_after_merger": 7, "deadline_on": date(2030, 12, 31),
         "source": "2025 guidance: a ministry-level body merged from 2 bodies at most 6 "
                   "deputies, from 3 at most 7; Conclusion 187-KL/TW: by the end of 2030"},
        {"level": "province", "max_deputies": 3, "merged_bonus": {2: 1, 3: 2},
         "max_after_merger": 7, "deadline_on": date(2030, 12, 31),
         "source": "Decree 107/2020/NĐ-CP (3 deputy directors); 2025 guidance: +1 after a "
                   "merger of 2 bodies, +2 of 3, never more than 7; Conclusion 187-KL/TW: "
                   "by the end of 2030"},
        {"level": "commune", "max_deputies": 2, "merged_bonus": {2: 1, 3: 2},
         "max_after_merger": 7, "deadline_on": date(2030, 12, 31),
         "source": "2025 guidance; Conclusion 187-KL/TW"},
    ],
    "admin_standards": {"base": "resolution_76_2025"},
    "coverage_targets": [],
}


def receivers(g: OrgGraph) -> dict[str, str]:
    """District body -> the provincial body that takes its functions and staff, on ``g``
    (the org after the 2025 provincial mergers): the one that leads most of the functions
    the body leads (then does most of them). Every body has one: a function the receiver
    does not lead but another provincial body does goes to it as support
    (``OrgGraph.abolish_level``, noted LEAD-KEPT), so no function gets a second lead."""
    prov = [u.id for u in g.units(level="province")]
    leads = {u: {a.function for a in g.assignments(u) if a.role == Role.LEAD} for u in prov}
    does = {u: set(g.functions_of(u)) for u in prov}
    out: dict[str, str] = {}
    for u in sorted(x.id for x in g.units(level="district")):
        own = {a.function for a in g.assignments(u) if a.role == Role.LEAD}
        mine = set(g.functions_of(u))
        out[u] = max(prov, key=lambda p, own=own, mine=mine: (
            len(own & leads[p]), len(mine & does[p]), p))
    return out


def _groups(s: Sample, district: str, size: int = 3) -> list[list[str]]:
    """The communes of ``district`` in groups of about ``size`` that border each other:
    grown from the smallest commune left, by the smallest bordering one; a commune left
    alone joins a bordering group."""
    ids = sorted(t for t, x in s.territories.items() if x.parent == district)
    left = set(ids)
    pop = {t: s.territories[t].population or 0 for t in ids}
    groups: list[list[str]] = []
    while left:
        seed = min(left, key=lambda t: (pop[t], t))
        group = [seed]
        left.discard(seed)
        while len(group) < size:
            near = sorted({b for t in group for b in s.territories[t].borders} & left,
                          key=lambda t: (pop[t], t))
            if not near:
                break
            group.append(near[0])
            left.discard(near[0])
        groups.append(group)
    for g in [g for g in groups if len(g) == 1]:
        near = [h for h in groups if h is not g and len(h) > 1 and set(h) & set(
            s.territories[g[0]].borders)]
        if near:
            min(near, key=len).extend(g)
            groups.remove(g)
    return groups


def commune_mergers(s: Sample) -> list[dict[str, Any]]:
    """Bordering communes of each former district merged into the most populous one, with
    their Party committee, People's Committee and Front committee; Lý Sơn's communes
    become the special zone (đặc khu) of Lý Sơn, an island (Article 3a)."""
    out: list[dict[str, Any]] = []
    regs = REGS_2025
    districts = sorted(t for t, x in s.territories.items() if x.level == "district")
    for d in districts:
        for group in _groups(s, d, 10 if d == "LS" else 3):
            if len(group) < 2:
                continue
            into = max(group, key=lambda t: (s.territories[t].population or 0, t))
            rest = [t for t in group if t != into]
            p: dict[str, Any] = {
                "id": f"AU25-{into}", "kind": "admin_unit_merger",
                "title": "Sắp xếp " + ", ".join(s.name(t) for t in rest)
                         + f" vào {s.name(into)}",
                "territories": rest, "into_territory": into,
                "units": [f"{t}-UB" for t in rest], "into": f"{into}-UB",
                "unit_merges": [{"units": [f"{t}-{suf}" for t in rest], "into":
                                 f"{into}-{suf}"} for suf in ("DU", "MT")],
                "submitted": date(2025, 4, 15), "approved": date(2025, 6, 16),
                "effective": ABOLISH, "regulations": regs, "drafted_by": "QNG-UBND"}
            if d == "LS":
                p.update(id="AU25-LSDK", title="Thành lập đặc khu Lý Sơn",
                         territories=group, into_territory=None, new_territory={
                             "id": "LSDK", "name": "Đặc khu Lý Sơn", "level": "commune",
                             "parent": "QNG", "type": "special_zone",
                             "special": ["island"]})
            out.append(p)
    return out


#: the neighbour of Resolution 202/2025/QH15, figures as the sources give them (none)
KON_TUM = Path(__file__).resolve().parent.parent / "orgchart" / "data" / "kon_tum_2025.yaml"


def province_merger() -> dict[str, Any]:
    """Kon Tum merged into Quảng Ngãi (Resolution 202/2025/QH15, in force 2025-07-01),
    decided by the National Assembly; Kon Tum joins the org with the merger (the fragment
    in orgchart/data), its unknown figures making the merged province's unknown too."""
    kt = load_org(KON_TUM).territories[0].model_copy(update={"borders": ("QNG",)})
    return {
        "id": "AU25-QNG-KT", "kind": "admin_unit_merger",
        "title": "Sắp xếp tỉnh Kon Tum và tỉnh Quảng Ngãi thành tỉnh Quảng Ngãi",
        "territories": [kt.id], "into_territory": "QNG",
        # unknown, said so: null, not left out
        "joining": [{**kt.model_dump(mode="json", exclude_defaults=True),
                     "area_km2": kt.area_km2, "population": kt.population}],
        "submitted": date(2025, 5, 5), "approved": date(2025, 6, 12), "effective": ABOLISH,
        "regulations": REGS_2025, "drafted_by": "QNG-UBND",
        "justification": "Resolution 202/2025/QH15 on the arrangement of provincial-level "
                         "administrative units (52 provinces into 23)"}


def two_tier(s: Sample, org: Org) -> dict[str, Any]:
    props: list[dict[str, Any]] = []
    for units, target, new_name, title in PROVINCE_2025:
        p: dict[str, Any] = {"id": f"P25-{target.removeprefix('QNG-')}", "title": title,
                             "submitted": CENTRE_2025, "approved": date(2025, 2, 25),
                             "effective": D2025, "regulations": REGS_2025,
                             "drafted_by": "QNG-BTC"}
        if new_name is None:
            p.update(kind="absorb", units=units, into=target)
        else:
            first = s.units[units[0]]
            p.update(kind="amalgamate", units=units, new_unit={
                "id": target, "name": new_name, "bloc": first.bloc.value, "level": "province",
                "territory": "QNG", "parent": first.parent, "kind": first.kind,
                "staff_quota": s.sum(units, "staff_quota"),
                "staff_actual": s.sum(units, "staff_actual"),
                "divisions": s.sum(units, "divisions"),
                "deputies": s.sum(units, "deputies") + len(units) - 1})
        props.append(p)
    props.append({"id": "P25-BTGDV-NAME", "kind": "rename", "units": ["QNG-BTG"],
                  "name_after": "Ban Tuyên giáo và Dân vận Tỉnh ủy",
                  "title": "Đổi tên Ban Tuyên giáo Tỉnh ủy", "submitted": CENTRE_2025,
                  "approved": date(2025, 2, 25), "effective": D2025,
                  "regulations": REGS_2025, "drafted_by": "QNG-BTC"})
    props.append({"id": "P25-SDTTG-NAME", "kind": "rename", "units": ["QNG-BDT"],
                  "name_after": "Sở Dân tộc và Tôn giáo",
                  "title": "Ban Dân tộc tỉnh thành Sở Dân tộc và Tôn giáo",
                  "submitted": CENTRE_2025, "approved": date(2025, 2, 25),
                  "effective": D2025, "regulations": REGS_2025, "drafted_by": "QNG-SNV"})
    after = OrgGraph(org)
    for p in props:
        apply_proposal(after, proposal_from_data(p))
    props.append({
        "id": "ABOLISH-DISTRICTS", "kind": "abolish_level", "level": "district",
        "title": "Kết thúc hoạt động của đơn vị hành chính cấp huyện (chính quyền địa "
                 "phương hai cấp)",
        "bodies_to": receivers(after), "staff_goes": "follow",
        "submitted": date(2025, 4, 15), "approved": date(2025, 6, 16), "effective": ABOLISH,
        "regulations": REGS_2025, "drafted_by": "QNG-BTC"})
    props += commune_mergers(s)
    props.append(province_merger())
    return {
        "name": "Quảng Ngãi 2025: chính quyền địa phương hai cấp",
        "description": (
            "The 2025 reorganisation on the sample province: provincial departments and "
            "Party boards merged as the ministries were (Resolution 176/2025/QH15, "
            "2025-03-01); the district level abolished on 2025-07-01, each district body "
            "handing its functions and staff to the provincial body that leads the same "
            "work; bordering communes merged to about a third, Lý Sơn becoming a special "
            "zone (Resolution 76/2025/UBTVQH15 standards); Kon Tum merged into Quảng Ngãi "
            "(Resolution 202/2025/QH15, 2025-07-01), joining the org with the merger "
            "with its area and population unknown (the source documents give none), so "
            "the merged province's are unknown too; the 2025 deputy caps with "
            "compliance by the end of 2030 (Conclusion 187-KL/TW). Illustrative: the "
            "sample's figures are made up."),
        "baseline_year": 2015, "start": date(2025, 1, 1), "end": date(2025, 12, 31),
        "territory": "QNG", "attrition": {"rate": 0.0, "quota": True},
        "policy": POLICY_2025, "proposals": props,
    }


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(data: dict[str, Any], path: Path) -> None:
    text = yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False, width=100)
    path.write_text("# Generated by scripts/make_plans.py from the sample province; edit the "
                    "generator.\n" + text, encoding="utf-8")


def main() -> None:
    s = Sample(sample_org())
    OUT.mkdir(parents=True, exist_ok=True)
    _dump(story(s), OUT / "quang_ngai_2018_2021.yaml")
    _dump(concurrent_posts(s), OUT / "quang_ngai_concurrent_posts.yaml")
    _dump(two_tier(s, sample_org()), OUT / "two_tier_2025.yaml")


if __name__ == "__main__":
    main()
