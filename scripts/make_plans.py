"""Write the two shipped scenarios for the sample province (engine/planning/plans/*.yaml).

    python scripts/make_plans.py

The plans name the sample's real unit, post and territory ids and compute the staff
figures of merged units from the sample, so regenerate them whenever the sample changes.
The output is deterministic (same sample, same bytes).

* ``quang_ngai_2018_2021.yaml`` -- the seeds' story: the 2018 action programme's pilots,
  Regulation 208 ending the Propaganda/Political Training pilot, the Front's common
  advisory body stuck for legal reasons, the 2020 administrative-unit mergers, attrition.
* ``quang_ngai_concurrent_posts.yaml`` -- a cautious alternative: concurrent posts
  instead of Party-state mergers, deputies cut to the standard at once, less attrition.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from mergepilot.orgchart import Org, sample_org

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
                  "riêng, không hợp nhất với Ban Tuyên giáo (seed 000)",
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
    merged_communes = {c for pair in COMMUNE_MERGERS for c in pair}
    for d in STORY["front_common_body"]:
        pid = f"{d}-FRONT-COMMON-BODY"
        events.append(
            {"on": date(2019, 4, 15), "proposal": pid, "trigger": "suspend",
             "reason": "vướng mắc pháp lý: Điều lệ các đoàn thể không cho phép cơ quan tham "
                       "mưu chung; không thể vận hành theo Đề án đã phê duyệt (seed 000)"})
        # The pilot moved the district's commune Front committees under the common body;
        # where communes merge in 2020 it must be unwound first, or the exact unwind is
        # refused (the org moved on), as the engine would tell a real planner.
        if any(c.startswith(d) and c[len(d):].isdigit() for c in merged_communes):
            events += [
                {"on": date(2019, 12, 20), "proposal": pid, "trigger": "record_final_review",
                 "reason": "tổng kết sớm: không vận hành được do vướng mắc pháp lý"},
                {"on": date(2019, 12, 31), "proposal": pid, "trigger": "terminate",
                 "outcome": "reverted",
                 "reason": "kết thúc mô hình trước khi sắp xếp đơn vị hành chính cấp xã"}]
        else:
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
            "The seeds' story on the sample province: the 2018 action programme's pilots "
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


if __name__ == "__main__":
    main()
