#!/usr/bin/env python3
"""Generate the shipped sample province: Quảng Ngãi as of 2018-01-01 and a 2015 baseline.

The sample is *illustrative*: district and commune names are real (as of 2018), areas and
populations are close to the published figures, but commune figures, staff numbers,
people and the function catalog are made up to be plausible. The generator is seeded, so
running it again rewrites ``orgchart/data/quang_ngai.yaml`` and
``orgchart/data/quang_ngai_2015.yaml`` (and the same as ``.json``) byte for byte::

    python scripts/make_sample.py            # into orgchart/data/
    python scripts/make_sample.py --out DIR  # somewhere else (the tests do this)

What the sample is built to show (see tests/test_sample.py):

* in every district the bodies named by five pilot models share real tasks with their partners
  (Organisation Board & Home Affairs, Inspection Committee & Inspectorate, the two
  Offices, Propaganda Board & Political Training Centre, Mass Mobilisation Board &
  Fatherland Front), with at least one task led by both -- a duplicate lead;
* 14 communes fall below 50% of the standard on both area and population, so
  administrative-unit mergers have candidates; so do five districts on their published
  figures: Tây Trà (merged into Trà Bồng in 2020) and Minh Long, Sơn Tây, Trà Bồng and the
  island of Lý Sơn, which the province kept;
* the 2015 baseline has more staff and 15 more public service units.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from mergepilot.orgchart import (
    Assignment,
    Function,
    Org,
    OrgGraph,
    Person,
    Post,
    Regulation,
    Territory,
    Unit,
    save_org,
)

SEED = 20180101
DATA_DIR = Path(__file__).resolve().parent.parent / "orgchart" / "data"
FILE_2018 = "quang_ngai.yaml"
FILE_2015 = "quang_ngai_2015.yaml"
NAME = "Quảng Ngãi (illustrative sample; staff figures are not official)"
NAME_2015 = "Quảng Ngãi, 2015 baseline (illustrative sample; staff figures are not official)"
PROVINCE = "QNG"

# -- regulations ----------------------------------------------------------------------

# (id, title, issued, in_force_from, repealed_on)
REGULATIONS: list[tuple[str, str, str, str | None, str | None]] = [
    ("DIEU-LE-DANG-2011", "Điều lệ Đảng Cộng sản Việt Nam (Đại hội XI)", "2011-01-19", None, None),
    ("14/1999/QH10", "Luật Mặt trận Tổ quốc Việt Nam 1999", "1999-06-12", None, "2016-01-01"),
    ("11/2003/QH11", "Luật Tổ chức Hội đồng nhân dân và Ủy ban nhân dân", "2003-11-26", None,
     "2016-01-01"),
    ("185-QĐ/TW", "Quyết định 185-QĐ/TW của Ban Bí thư về Trung tâm bồi dưỡng chính trị cấp "
     "huyện", "2008-09-03", None, "2019-11-08"),
    ("92/2009/NĐ-CP", "Nghị định 92/2009/NĐ-CP về chức danh, số lượng, chế độ đối với cán bộ, "
     "công chức ở xã, phường, thị trấn", "2009-10-22", None, None),
    ("56/2010/QH12", "Luật Thanh tra", "2010-11-15", "2011-07-01", None),
    ("55/2012/NĐ-CP", "Nghị định 55/2012/NĐ-CP quy định về thành lập, tổ chức lại, giải thể "
     "đơn vị sự nghiệp công lập", "2012-06-28", None, None),
    ("24/2014/NĐ-CP", "Nghị định 24/2014/NĐ-CP quy định tổ chức các cơ quan chuyên môn thuộc "
     "UBND tỉnh, thành phố trực thuộc Trung ương", "2014-04-04", None, None),
    ("37/2014/NĐ-CP", "Nghị định 37/2014/NĐ-CP quy định tổ chức các cơ quan chuyên môn thuộc "
     "UBND huyện, quận, thị xã, thành phố thuộc tỉnh", "2014-05-05", None, None),
    ("108/2014/NĐ-CP", "Nghị định 108/2014/NĐ-CP về chính sách tinh giản biên chế",
     "2014-11-20", None, None),
    ("75/2015/QH13", "Luật Mặt trận Tổ quốc Việt Nam 2015", "2015-06-09", "2016-01-01", None),
    ("77/2015/QH13", "Luật Tổ chức chính quyền địa phương", "2015-06-19", "2016-01-01", None),
    ("1211/2016/UBTVQH13", "Nghị quyết 1211/2016/UBTVQH13 về tiêu chuẩn của đơn vị hành chính "
     "và phân loại đơn vị hành chính", "2016-05-25", None, None),
    ("184-KL/TU", "Kết luận 184-KL/TU của Ban Thường vụ Tỉnh ủy Quảng Ngãi về Đề án sắp xếp "
     "các đơn vị sự nghiệp công lập giai đoạn 2016-2020", "2016-10-11", None, None),
    ("449/QĐ-UBND", "Quyết định 449/QĐ-UBND của UBND tỉnh Quảng Ngãi phê duyệt Đề án sắp xếp "
     "đơn vị sự nghiệp công lập giai đoạn 2017-2025", "2017-06-28", None, None),
    ("18-NQ/TW", "Nghị quyết 18-NQ/TW (Hội nghị Trung ương 6 khóa XII) về tiếp tục đổi mới, "
     "sắp xếp tổ chức bộ máy của hệ thống chính trị tinh gọn, hoạt động hiệu lực, hiệu quả",
     "2017-10-25", None, None),
    ("19-NQ/TW", "Nghị quyết 19-NQ/TW (Hội nghị Trung ương 6 khóa XII) về tiếp tục đổi mới hệ "
     "thống tổ chức và quản lý, nâng cao chất lượng và hiệu quả hoạt động của các đơn vị sự "
     "nghiệp công lập", "2017-10-25", None, None),
    ("125-KH/TU", "Kế hoạch 125-KH/TU của Tỉnh ủy Quảng Ngãi thực hiện Nghị quyết 18-NQ/TW",
     "2018-04-05", None, None),
    ("126-KH/TU", "Kế hoạch 126-KH/TU của Tỉnh ủy Quảng Ngãi thực hiện Nghị quyết 19-NQ/TW",
     "2018-04-05", None, None),
    ("34-KL/TW", "Kết luận 34-KL/TW của Bộ Chính trị về thực hiện một số mô hình thí điểm theo "
     "Nghị quyết 18-NQ/TW", "2018-08-07", None, None),
    ("37-NQ/TW", "Nghị quyết 37-NQ/TW của Bộ Chính trị về việc sắp xếp các đơn vị hành chính "
     "cấp huyện và cấp xã", "2018-12-24", None, None),
    ("653/2019/UBTVQH14", "Nghị quyết 653/2019/UBTVQH14 về việc sắp xếp các đơn vị hành chính "
     "cấp huyện và cấp xã trong giai đoạn 2019-2021", "2019-03-12", None, None),
    ("208-QĐ/TW", "Quy định 208-QĐ/TW của Ban Bí thư về chức năng, nhiệm vụ, tổ chức bộ máy của "
     "Trung tâm Chính trị cấp huyện", "2019-11-08", None, None),
    ("867/NQ-UBTVQH14", "Nghị quyết 867/NQ-UBTVQH14 về việc sắp xếp các đơn vị hành chính cấp "
     "huyện, cấp xã thuộc tỉnh Quảng Ngãi", "2020-01-10", "2020-02-01", None),
    ("107/2020/NĐ-CP", "Nghị định 107/2020/NĐ-CP sửa đổi, bổ sung Nghị định 24/2014/NĐ-CP",
     "2020-09-14", None, None),
    ("108/2020/NĐ-CP", "Nghị định 108/2020/NĐ-CP sửa đổi, bổ sung Nghị định 37/2014/NĐ-CP",
     "2020-09-14", None, None),
    ("05-HD/BTCTW", "Hướng dẫn 05-HD/BTCTW của Ban Tổ chức Trung ương về một số nội dung thực "
     "hiện Quy định 208-QĐ/TW", "2021-05-19", None, None),
    ("16-TB/TW", "Thông báo 16-TB/TW của Bộ Chính trị về chủ trương thực hiện thí điểm một số "
     "mô hình theo Kết luận 34-KL/TW", "2022-07-07", None, None),
    ("35/2023/UBTVQH15", "Nghị quyết 35/2023/UBTVQH15 về việc sắp xếp đơn vị hành chính cấp "
     "huyện, cấp xã giai đoạn 2023-2030", "2023-07-12", None, None),
]

# -- functions -------------------------------------------------------------------------

P, D, C = "province", "district", "commune"
# (code, name, domain, required_at)
FUNCTIONS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("PARTY-LEAD", "Lãnh đạo toàn diện của cấp ủy", "party", (P, D, C)),
    ("STATE-ADMIN", "Điều hành, quản lý hành chính nhà nước chung", "state", (P, D, C)),
    ("COUNCIL-LEGIS", "Quyết định và giám sát của Hội đồng nhân dân", "state", (P, D)),
    ("ORG-CADRE", "Công tác cán bộ: quy hoạch, bổ nhiệm, luân chuyển", "organisation", (P, D)),
    ("ORG-STRUCT", "Tổ chức bộ máy", "organisation", (P, D)),
    ("ORG-STAFF", "Quản lý biên chế, vị trí việc làm", "organisation", (P, D)),
    ("ORG-PARTYMEM", "Quản lý đảng viên, tổ chức cơ sở đảng", "organisation", (P, D, C)),
    ("ORG-TRAIN", "Đào tạo, bồi dưỡng cán bộ, công chức", "organisation", ()),
    ("ORG-ASSESS", "Đánh giá, xếp loại cán bộ", "organisation", ()),
    ("HA-ADMINREFORM", "Cải cách hành chính", "home affairs", ()),
    ("HA-EMUL", "Thi đua, khen thưởng", "home affairs", ()),
    ("HA-RELIG", "Quản lý nhà nước về tín ngưỡng, tôn giáo", "home affairs", ()),
    ("HA-ADMUNIT", "Chính quyền địa phương, địa giới hành chính", "home affairs", ()),
    ("INS-INSPECT", "Kiểm tra, thanh tra việc chấp hành", "inspection", (P, D)),
    ("INS-COMPLAINT", "Giải quyết khiếu nại, tố cáo", "inspection", (P, D)),
    ("INS-ANTICORR", "Phòng, chống tham nhũng", "inspection", ()),
    ("INS-DISCIPLINE", "Thi hành kỷ luật đảng", "inspection", (P, D)),
    ("INS-PARTYFIN", "Kiểm tra tài chính đảng", "inspection", ()),
    ("INS-CITIZEN", "Tiếp công dân", "inspection", (P, D)),
    ("INS-ASSETS", "Kiểm soát kê khai tài sản, thu nhập", "inspection", ()),
    ("OFF-SECRETARIAT", "Tham mưu tổng hợp, giúp việc", "office", (P, D)),
    ("OFF-DOCS", "Văn thư, quản lý văn bản", "office", (P, D)),
    ("OFF-ARCHIVE", "Lưu trữ", "office", ()),
    ("OFF-LOGISTICS", "Quản trị, hậu cần, tài chính cơ quan", "office", ()),
    ("OFF-PARTYFIN", "Quản lý tài chính, tài sản của đảng bộ", "office", ()),
    ("OFF-COUNCIL", "Phục vụ hoạt động của Hội đồng nhân dân", "office", ()),
    ("OFF-ONESTOP", "Bộ phận một cửa, tiếp nhận và trả kết quả", "office", ()),
    ("PROP-THEORY", "Bồi dưỡng lý luận chính trị", "propaganda", (P, D)),
    ("PROP-PROPAGANDA", "Tuyên truyền đường lối, chủ trương", "propaganda", (P, D, C)),
    ("PROP-RESOLUTION", "Học tập, quán triệt nghị quyết", "propaganda", ()),
    ("PROP-HISTORY", "Giáo dục lịch sử đảng, truyền thống", "propaganda", ()),
    ("PROP-OPINION", "Nắm bắt dư luận xã hội", "propaganda", ()),
    ("PROP-NEWPARTY", "Bồi dưỡng nhận thức về Đảng cho quần chúng ưu tú", "propaganda", ()),
    ("MM-MOBIL", "Công tác dân vận", "mass mobilisation", (P, D, C)),
    ("MM-DEMOCRACY", "Thực hiện quy chế dân chủ ở cơ sở", "mass mobilisation", (D, C)),
    ("MM-SUPERVISE", "Giám sát và phản biện xã hội", "mass mobilisation", ()),
    ("MM-SOLIDARITY", "Khối đại đoàn kết toàn dân tộc, các cuộc vận động", "mass mobilisation",
     ()),
    ("MM-ETHNIC-RELIG", "Vận động đồng bào dân tộc, tôn giáo", "mass mobilisation", ()),
    ("MM-CHARITY", "Quỹ Vì người nghèo, cứu trợ", "mass mobilisation", ()),
    ("MM-PEOPLEINSPECT", "Ban thanh tra nhân dân, giám sát đầu tư của cộng đồng",
     "mass mobilisation", ()),
    ("MM-MASSORG", "Hướng dẫn các đoàn thể chính trị - xã hội", "mass mobilisation", ()),
    ("WU-WOMEN", "Công tác phụ nữ", "socio-political", ()),
    ("YU-YOUTH", "Công tác thanh niên, thiếu nhi", "socio-political", ()),
    ("FU-FARMERS", "Công tác nông dân", "socio-political", ()),
    ("VA-VETERANS", "Công tác cựu chiến binh", "socio-political", ()),
    ("FIN-BUDGET", "Ngân sách, tài chính", "finance", (P, D, C)),
    ("FIN-ASSET", "Quản lý tài sản công", "finance", ()),
    ("FIN-PLAN", "Kế hoạch phát triển kinh tế - xã hội, đầu tư công", "finance", (P, D)),
    ("EDU-MGMT", "Quản lý giáo dục và đào tạo", "education", (P, D)),
    ("EDU-VOCATION", "Giáo dục nghề nghiệp, giáo dục thường xuyên", "education", ()),
    ("HEA-MGMT", "Quản lý nhà nước về y tế", "health", (P, D)),
    ("HEA-CARE", "Khám bệnh, chữa bệnh", "health", ()),
    ("HEA-MCH", "Chăm sóc sức khỏe sinh sản, sản - nhi", "health", ()),
    ("HEA-PREVENT", "Y tế dự phòng", "health", ()),
    ("HEA-FOODSAFE", "An toàn thực phẩm", "health", ()),
    ("LAB-EMPLOY", "Lao động, việc làm", "labour", ()),
    ("LAB-SOCIAL", "Bảo trợ xã hội", "labour", (P, D, C)),
    ("LAB-MERIT", "Chính sách người có công", "labour", ()),
    ("LAB-CHILD", "Trẻ em, bình đẳng giới", "labour", ()),
    ("COM-POVERTY", "Giảm nghèo bền vững", "labour", ()),
    ("JUS-LEGALDOC", "Thẩm định, kiểm tra văn bản quy phạm pháp luật", "justice", ()),
    ("JUS-LEGALEDU", "Phổ biến, giáo dục pháp luật", "justice", ()),
    ("JUS-CIVIL", "Hộ tịch, chứng thực", "justice", (D, C)),
    ("JUS-MEDIATION", "Hòa giải ở cơ sở", "justice", ()),
    ("CUL-CULTURE", "Văn hóa, gia đình, du lịch", "culture", (P, D)),
    ("CUL-SPORT", "Thể dục, thể thao", "culture", ()),
    ("CUL-INFO", "Thông tin, báo chí, xuất bản", "culture", ()),
    ("CUL-BROADCAST", "Phát thanh, truyền hình, truyền thanh cơ sở", "culture", ()),
    ("COM-DIGITAL", "Ứng dụng công nghệ thông tin, chuyển đổi số", "culture", ()),
    ("NRE-LAND", "Quản lý đất đai", "natural resources", (P, D, C)),
    ("NRE-ENV", "Bảo vệ môi trường, tài nguyên nước, khoáng sản", "natural resources", ()),
    ("NRE-LANDREG", "Đăng ký đất đai", "natural resources", ()),
    ("NRE-LANDFUND", "Phát triển quỹ đất, bồi thường giải phóng mặt bằng", "natural resources",
     ()),
    ("AGR-CROP", "Trồng trọt, chăn nuôi, thủy sản", "agriculture", (P, D)),
    ("AGR-IRRIG", "Thủy lợi, phòng chống thiên tai", "agriculture", ()),
    ("AGR-NTM", "Xây dựng nông thôn mới", "agriculture", ()),
    ("AGR-FOREST", "Lâm nghiệp", "agriculture", ()),
    ("AGR-EXTENSION", "Khuyến nông, dịch vụ nông nghiệp", "agriculture", ()),
    ("ECO-CONSTR", "Xây dựng, quy hoạch, đô thị", "economy", (P, D)),
    ("ECO-TRANSPORT", "Giao thông vận tải", "economy", ()),
    ("ECO-INDUSTRY", "Công nghiệp, thương mại", "economy", ()),
    ("ECO-PROMOTION", "Khuyến công, xúc tiến thương mại", "economy", ()),
    ("ECO-PROJECT", "Quản lý dự án đầu tư xây dựng", "economy", ()),
    ("ECO-ZONE", "Khu kinh tế, khu công nghiệp", "economy", ()),
    ("SCI-TECH", "Khoa học và công nghệ", "science", ()),
    ("ETH-POLICY", "Công tác dân tộc", "ethnic affairs", ()),
    ("EXT-FOREIGN", "Ngoại vụ", "foreign affairs", ()),
]

# -- territories -----------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictSpec:
    id: str
    name: str
    area: float  # km², close to the published figure for 2018
    population: int
    mountainous: bool
    centre: tuple[float, float]  # rough position in km, only used to draw borders
    communes: tuple[str, ...]  # "p:" ward, "tt:" town, "*" below 50% on both measures
    size: int  # 0 small, 1 medium, 2 large: scales staff figures

    @property
    def city(self) -> bool:
        return self.id == "QN"

    @property
    def party_committee(self) -> str:
        return "Thành ủy" if self.city else "Huyện ủy"

    @property
    def short(self) -> str:
        """``thành phố Quảng Ngãi`` / ``huyện Bình Sơn`` for unit names."""
        return self.name[0].lower() + self.name[1:]

    @property
    def place(self) -> str:
        return self.name.split(" ", 2)[-1] if self.city else self.name.split(" ", 1)[1]


DISTRICTS: list[DistrictSpec] = [
    DistrictSpec("QN", "Thành phố Quảng Ngãi", 160.2, 263_000, False, (70, 80), (
        "p:Lê Hồng Phong", "p:Trần Phú", "p:Quảng Phú", "p:Nghĩa Chánh", "p:Trần Hưng Đạo",
        "p:Nghĩa Lộ", "p:Chánh Lộ", "p:Nguyễn Nghiêm", "p:Trương Quang Trọng", "Tịnh Ấn Tây",
        "Tịnh Ấn Đông", "Tịnh An", "Tịnh Long", "Tịnh Châu", "Tịnh Thiện", "Tịnh Khê",
        "Tịnh Hòa", "Tịnh Kỳ", "Nghĩa Dõng", "Nghĩa Dũng", "Nghĩa Hà", "Nghĩa Phú", "Nghĩa An",
    ), 2),
    DistrictSpec("BS", "Huyện Bình Sơn", 467.0, 182_000, False, (62, 100), (
        "tt:Châu Ổ", "Bình Thuận", "Bình Thạnh", "Bình Đông", "Bình Chánh", "Bình Nguyên",
        "Bình Khương", "Bình Trị", "Bình An", "Bình Hải", "Bình Dương", "Bình Phước",
        "Bình Hòa", "Bình Tân", "Bình Trung", "Bình Minh", "Bình Châu", "*Bình Thanh Đông",
        "*Bình Thanh Tây", "Bình Hiệp", "Bình Long", "Bình Mỹ", "Bình Chương", "Bình Phú",
        "Bình Tân Phú",
    ), 2),
    DistrictSpec("ST", "Huyện Sơn Tịnh", 243.0, 99_000, False, (55, 84), (
        "Tịnh Hà", "Tịnh Sơn", "Tịnh Trà", "Tịnh Bình", "Tịnh Thọ", "Tịnh Phong", "Tịnh Hiệp",
        "Tịnh Bắc", "Tịnh Đông", "Tịnh Giang", "*Tịnh Minh",
    ), 1),
    DistrictSpec("TN", "Huyện Tư Nghĩa", 228.0, 128_000, False, (60, 67), (
        "tt:La Hà", "tt:Sông Vệ", "Nghĩa Kỳ", "Nghĩa Thuận", "Nghĩa Điền", "Nghĩa Thắng",
        "Nghĩa Trung", "Nghĩa Hiệp", "*Nghĩa Phương", "Nghĩa Thương", "Nghĩa Hòa", "Nghĩa Lâm",
        "Nghĩa Sơn", "Nghĩa Thọ", "Nghĩa Mỹ",
    ), 2),
    DistrictSpec("NH", "Huyện Nghĩa Hành", 234.0, 91_000, False, (57, 51), (
        "tt:Chợ Chùa", "Hành Thuận", "Hành Dũng", "Hành Trung", "Hành Nhân", "Hành Đức",
        "Hành Minh", "Hành Phước", "Hành Thịnh", "Hành Thiện", "Hành Tín Tây",
        "*Hành Tín Đông",
    ), 1),
    DistrictSpec("MD", "Huyện Mộ Đức", 214.0, 130_000, False, (74, 55), (
        "tt:Mộ Đức", "Đức Nhuận", "Đức Lợi", "Đức Thạnh", "Đức Thắng", "Đức Chánh",
        "*Đức Hiệp", "Đức Hòa", "Đức Minh", "Đức Phong", "Đức Phú", "Đức Lân", "Đức Tân",
    ), 2),
    DistrictSpec("DP", "Huyện Đức Phổ", 372.0, 145_000, False, (78, 36), (
        "tt:Đức Phổ", "Phổ An", "Phổ Quang", "Phổ Thuận", "Phổ Văn", "Phổ Minh", "Phổ Vinh",
        "Phổ Ninh", "Phổ Hòa", "Phổ Cường", "Phổ Khánh", "Phổ Thạnh", "Phổ Châu", "Phổ Phong",
        "*Phổ Nhơn",
    ), 2),
    DistrictSpec("BT", "Huyện Ba Tơ", 1137.0, 53_000, True, (48, 28), (
        "tt:Ba Tơ", "Ba Điền", "Ba Vinh", "Ba Thành", "Ba Động", "Ba Dinh", "*Ba Cung",
        "*Ba Chùa", "Ba Tiêu", "Ba Ngạc", "Ba Tô", "Ba Vì", "Ba Xa", "Ba Lế", "Ba Nam",
        "Ba Liên", "Ba Trang", "Ba Khâm", "Ba Giang", "Ba Bích",
    ), 1),
    DistrictSpec("ML", "Huyện Minh Long", 216.6, 18_000, True, (42, 55), (
        "Long Hiệp", "Long Sơn", "Long Mai", "Thanh An", "Long Môn",
    ), 0),
    DistrictSpec("SH", "Huyện Sơn Hà", 750.0, 73_000, True, (31, 75), (
        "tt:Di Lăng", "Sơn Hạ", "Sơn Thành", "Sơn Nham", "Sơn Cao", "Sơn Linh", "Sơn Giang",
        "Sơn Trung", "Sơn Thượng", "*Sơn Bao", "Sơn Thủy", "Sơn Kỳ", "Sơn Ba", "Sơn Hải",
    ), 1),
    DistrictSpec("STY", "Huyện Sơn Tây", 381.6, 20_000, True, (9, 74), (
        "Sơn Dung", "Sơn Mùa", "Sơn Tân", "Sơn Tinh", "*Sơn Lập", "Sơn Bua", "Sơn Long",
        "Sơn Màu", "Sơn Liên",
    ), 0),
    DistrictSpec("TB", "Huyện Trà Bồng", 419.8, 33_000, True, (36, 99), (
        "tt:Trà Xuân", "*Trà Bình", "Trà Phú", "Trà Giang", "Trà Thủy", "Trà Hiệp", "Trà Sơn",
        "Trà Tân", "Trà Bùi", "Trà Lâm",
    ), 0),
    DistrictSpec("TT", "Huyện Tây Trà", 337.8, 19_000, True, (15, 97), (
        "Trà Phong", "Trà Thanh", "Trà Quân", "*Trà Khê", "Trà Lãnh", "Trà Nham", "Trà Trung",
        "Trà Xinh", "Trà Thọ",
    ), 0),
    DistrictSpec("LS", "Huyện Lý Sơn", 10.4, 21_000, False, (110, 95), (
        "An Vĩnh", "An Hải", "*An Bình",
    ), 0),
]

DISTRICT_BORDERS: list[tuple[str, str]] = [
    ("BS", "ST"), ("BS", "TB"), ("BS", "QN"),
    ("TB", "TT"), ("TB", "SH"), ("TB", "ST"),
    ("TT", "STY"), ("TT", "SH"),
    ("ST", "QN"), ("ST", "TN"), ("ST", "SH"),
    ("QN", "TN"),
    ("TN", "SH"), ("TN", "ML"), ("TN", "NH"), ("TN", "MD"),
    ("SH", "STY"), ("SH", "ML"), ("SH", "BT"),
    ("STY", "BT"),
    ("ML", "NH"), ("ML", "BT"),
    ("NH", "MD"), ("NH", "BT"), ("NH", "DP"),
    ("MD", "DP"),
    ("DP", "BT"),
]

# Lý Sơn's islands: hand-set figures (km², people).
LY_SON = {"An Vĩnh": (5.02, 10_650), "An Hải": (4.69, 9_830), "An Bình": (0.69, 520)}

# (population, area km²) standards for a commune, Resolution 1211/2016/UBTVQH13.
COMMUNE_STD = {True: (5_000, 50.0), False: (8_000, 30.0)}


def _below_both(mountainous: bool, population: int, area: float) -> bool:
    std_pop, std_area = COMMUNE_STD[mountainous]
    return population < 0.5 * std_pop and area < 0.5 * std_area


@dataclass
class CommuneDraft:
    id: str
    name: str
    district: DistrictSpec
    small: bool
    urban: bool
    xy: tuple[float, float] = (0.0, 0.0)
    area: float = 0.0
    population: int = 0
    borders: set[str] = field(default_factory=set)


def _commune_drafts(rng: random.Random) -> list[CommuneDraft]:
    drafts: list[CommuneDraft] = []
    for d in DISTRICTS:
        mine: list[CommuneDraft] = []
        for i, raw in enumerate(d.communes, start=1):
            small = raw.startswith("*")
            raw = raw.lstrip("*")
            prefix, _, bare = raw.rpartition(":")
            label = {"p": "Phường", "tt": "Thị trấn", "": "Xã"}[prefix]
            mine.append(CommuneDraft(f"{d.id}{i:02d}", f"{label} {bare}", d, small,
                                     prefix in ("p", "tt")))
        _allocate(rng, d, mine)
        _place(rng, d, mine)
        drafts.extend(mine)
    return drafts


def _allocate(rng: random.Random, d: DistrictSpec, communes: list[CommuneDraft]) -> None:
    """Split the district's area and population over its communes.

    Communes marked small get figures below 50% of the standard on both measures; every
    other commune is redrawn until it is at or above 50% on at least one.
    """
    if d.id == "LS":
        for c in communes:
            c.area, c.population = LY_SON[c.name.split(" ", 1)[1]]
        return
    std_pop, std_area = COMMUNE_STD[d.mountainous]
    for c in communes:
        if c.small:
            c.area = round(0.5 * std_area * rng.uniform(0.35, 0.85), 2)
            c.population = int(round(0.5 * std_pop * rng.uniform(0.4, 0.9), -1))
    rest = [c for c in communes if not c.small]
    area_left = d.area - sum(c.area for c in communes if c.small)
    pop_left = d.population - sum(c.population for c in communes if c.small)
    spread = (0.75, 1.25) if d.mountainous else (0.6, 1.4)
    for _ in range(200):
        aw = [rng.uniform(0.08, 0.25) if c.urban and d.city else
              rng.uniform(0.3, 0.6) if c.urban else rng.uniform(*spread) for c in rest]
        pw = [rng.uniform(1.3, 2.2) if c.urban else rng.uniform(*spread) for c in rest]
        for c, a, p in zip(rest, aw, pw, strict=True):
            c.area = round(area_left * a / sum(aw), 2)
            c.population = int(round(pop_left * p / sum(pw), -1))
        if not any(_below_both(d.mountainous, c.population, c.area) for c in rest):
            return
    raise RuntimeError(f"cannot allocate figures for {d.id}")


def _place(rng: random.Random, d: DistrictSpec, communes: list[CommuneDraft]) -> None:
    """Scatter communes over a disc the size of the district (towns near the centre)."""
    radius = math.sqrt(d.area / math.pi)
    cx, cy = d.centre
    for c in communes:
        r = radius * (rng.uniform(0.0, 0.3) if c.urban and not d.city else
                      math.sqrt(rng.uniform(0.02, 1.0)))
        t = rng.uniform(0, 2 * math.pi)
        c.xy = (cx + r * math.cos(t), cy + r * math.sin(t))
    # The two Bình Thanh communes lie side by side (they were merged in 2020).
    by_name = {c.name: c for c in communes}
    if "Xã Bình Thanh Đông" in by_name:
        x, y = by_name["Xã Bình Thanh Đông"].xy
        by_name["Xã Bình Thanh Tây"].xy = (x - 1.5, y + 0.5)


def _gabriel(points: Sequence[tuple[float, float]]) -> list[tuple[int, int]]:
    """Edges of the Gabriel graph: planar, connected, a common model of adjacency."""
    edges: list[tuple[int, int]] = []
    n = len(points)
    for i in range(n):
        xi, yi = points[i]
        for j in range(i + 1, n):
            xj, yj = points[j]
            mx, my = (xi + xj) / 2, (yi + yj) / 2
            r2 = ((xi - xj) ** 2 + (yi - yj) ** 2) / 4
            if all((points[k][0] - mx) ** 2 + (points[k][1] - my) ** 2 >= r2
                   for k in range(n) if k != i and k != j):
                edges.append((i, j))
    return edges


def _borders(communes: list[CommuneDraft]) -> None:
    by_district: dict[str, list[CommuneDraft]] = {}
    for c in communes:
        by_district.setdefault(c.district.id, []).append(c)
    # Inside each district: its own Gabriel graph, so the district is connected.
    for did, group in by_district.items():
        # Lý Sơn's three island communes all touch each other.
        pairs = ([(0, 1), (0, 2), (1, 2)] if did == "LS" else _gabriel([c.xy for c in group]))
        for i, j in pairs:
            group[i].borders.add(group[j].id)
            group[j].borders.add(group[i].id)
    # Across districts: Gabriel edges of the mainland between districts that border.
    neighbours = {frozenset(p) for p in DISTRICT_BORDERS}
    mainland = [c for c in communes if c.district.id != "LS"]
    linked: set[frozenset[str]] = set()
    for i, j in _gabriel([c.xy for c in mainland]):
        a, b = mainland[i], mainland[j]
        pair = frozenset((a.district.id, b.district.id))
        if len(pair) == 2 and pair in neighbours:
            a.borders.add(b.id)
            b.borders.add(a.id)
            linked.add(pair)
    # Bordering districts with no commune edge yet: join their two closest communes.
    for da, db in DISTRICT_BORDERS:
        if frozenset((da, db)) in linked:
            continue
        a, b = min(((a, b) for a in by_district[da] for b in by_district[db]),
                   key=lambda ab: math.dist(ab[0].xy, ab[1].xy))
        a.borders.add(b.id)
        b.borders.add(a.id)


def territories(rng: random.Random) -> list[Territory]:
    communes = _commune_drafts(rng)
    _borders(communes)
    out: list[Territory] = []
    district_borders: dict[str, set[str]] = {d.id: set() for d in DISTRICTS}
    for a, b in DISTRICT_BORDERS:
        district_borders[a].add(b)
        district_borders[b].add(a)
    total_area, total_pop = 0.0, 0
    for d in DISTRICTS:
        mine = [c for c in communes if c.district is d]
        area = round(sum(c.area for c in mine), 2)
        pop = sum(c.population for c in mine)
        total_area += area
        total_pop += pop
        region = "mountainous" if d.mountainous else "other"
        out.append(Territory(id=d.id, name=d.name, level="district", parent=PROVINCE,
                             area_km2=area, population=pop, region=region,
                             borders=sorted(district_borders[d.id])))
        out.extend(Territory(id=c.id, name=c.name, level="commune", parent=d.id,
                             area_km2=c.area, population=c.population, region=region,
                             borders=sorted(c.borders)) for c in mine)
    out.append(Territory(id=PROVINCE, name="Tỉnh Quảng Ngãi", level="province",
                         area_km2=round(total_area, 2), population=total_pop))
    return out


# -- units -----------------------------------------------------------------------------

Roles = dict[str, str]  # function code -> "lead" | "support"


def roles(lead: Iterable[str] = (), support: Iterable[str] = ()) -> Roles:
    out = dict.fromkeys(support, "support")
    out.update(dict.fromkeys(lead, "lead"))
    return out


@dataclass
class UnitDraft:
    """A unit with its figures for 2018 and 2015 (``None``: the unit did not exist then)."""

    unit: Unit
    functions: Roles
    title: str  # head post title
    deputy_title: str = ""  # deputy posts are written out for committees only
    quota_2015: int | None = None  # staff quota in the 2015 baseline
    actual_2015: int | None = None
    in_2018: bool = True
    regs_2015: tuple[str, ...] = ()
    functions_2015: Roles | None = None


class Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.units: list[UnitDraft] = []

    def staff(self, lo: int, hi: int) -> tuple[int, int]:
        quota = self.rng.randint(lo, hi)
        gap = self.rng.choice((0, 0, 0, 1, 1, 2)) if quota < 30 else self.rng.randint(0,
                                                                                    quota // 12)
        return quota, max(quota - gap, min(quota, 1))

    def add(self, id: str, name: str, bloc: str, level: str, territory: str, parent: str | None,
            kind: str, staff: tuple[int, int], deputies: int, functions: Roles, regs_2018:
            Sequence[str], regs_2015: Sequence[str], title: str, *, divisions: int = 0,
            deputy_title: str = "", in_2018: bool = True,
            functions_2015: Roles | None = None) -> UnitDraft:
        quota, actual = staff
        # 2015 had more staff: 2018 is 0-6% below it, about 5% overall with rounding.
        cut = self.rng.uniform(0.0, 0.06)
        quota_2015 = quota + max(round(quota * cut / (1 - cut)), 0)
        actual_2015 = actual + (quota_2015 - quota)
        if quota >= 3 and quota_2015 == quota and self.rng.random() < 0.4:
            quota_2015, actual_2015 = quota + 1, actual + 1
        draft = UnitDraft(
            unit=Unit(id=id, name=name, bloc=bloc, level=level, territory=territory,
                      parent=parent, kind=kind, staff_quota=quota, staff_actual=actual,
                      deputies=deputies, divisions=divisions, regulations=list(regs_2018)),
            functions=functions, title=title, deputy_title=deputy_title,
            quota_2015=quota_2015, actual_2015=actual_2015, in_2018=in_2018,
            regs_2015=tuple(regs_2015), functions_2015=functions_2015)
        self.units.append(draft)
        return draft


# Basis documents: 2018 (after 18/19-NQ/TW and the 2015 laws) and 2015.
PARTY_18, PARTY_15 = ("DIEU-LE-DANG-2011", "18-NQ/TW"), ("DIEU-LE-DANG-2011",)
GOV_18, GOV_15 = ("77/2015/QH13", "18-NQ/TW"), ("11/2003/QH11",)
FRONT_18, FRONT_15 = ("75/2015/QH13", "18-NQ/TW"), ("14/1999/QH10",)
PSU_18, PSU_15 = ("55/2012/NĐ-CP", "19-NQ/TW", "449/QĐ-UBND"), ("55/2012/NĐ-CP",)
DEPT_18, DEPT_15 = ("24/2014/NĐ-CP", "18-NQ/TW"), ("24/2014/NĐ-CP",)
DIV_18, DIV_15 = ("37/2014/NĐ-CP", "18-NQ/TW"), ("37/2014/NĐ-CP",)
COMMUNE_18, COMMUNE_15 = ("92/2009/NĐ-CP", "18-NQ/TW"), ("92/2009/NĐ-CP",)

# The five pairs of the pilot models share these tasks; the first of each list is always
# led by both units of the pair (a duplicate lead).
OFFICE_SHARED = ("OFF-SECRETARIAT", "OFF-DOCS", "OFF-ARCHIVE", "OFF-LOGISTICS")


def province_units(b: Builder) -> None:
    q = PROVINCE

    def add(sfx: str, name: str, bloc: str, parent: str | None, kind: str, lo: int, hi: int,
            dep: tuple[int, int], fn: Roles, regs: tuple[tuple[str, ...], tuple[str, ...]],
            title: str, divisions: tuple[int, int] = (0, 0), **kw: Any) -> None:
        b.add(f"{q}-{sfx}", name, bloc, "province", q, f"{q}-{parent}" if parent else None,
              kind, b.staff(lo, hi), b.rng.randint(*dep), fn, regs[0], regs[1], title,
              divisions=b.rng.randint(*divisions), **kw)

    party, gov, front = (PARTY_18, PARTY_15), (GOV_18, GOV_15), (FRONT_18, FRONT_15)
    dept, psu = (DEPT_18, DEPT_15), (PSU_18, PSU_15)
    ins = (("24/2014/NĐ-CP", "56/2010/QH12", "18-NQ/TW"), ("24/2014/NĐ-CP", "56/2010/QH12"))
    # Party
    add("TU", "Tỉnh ủy Quảng Ngãi", "party", None, "committee", 5, 5, (3, 3),
        roles(["PARTY-LEAD"]), party, "Bí thư Tỉnh ủy", deputy_title="Phó Bí thư Tỉnh ủy")
    add("VPTU", "Văn phòng Tỉnh ủy", "party", "TU", "office", 42, 50, (3, 4),
        roles([*OFFICE_SHARED, "OFF-PARTYFIN"], ["PARTY-LEAD", "COM-DIGITAL"]), party,
        "Chánh Văn phòng", (5, 6))
    add("BTC", "Ban Tổ chức Tỉnh ủy", "party", "TU", "party_board", 22, 27, (3, 3),
        roles(["ORG-CADRE", "ORG-STRUCT", "ORG-STAFF", "ORG-PARTYMEM", "ORG-ASSESS"],
              ["ORG-TRAIN", "PARTY-LEAD"]), party, "Trưởng ban", (3, 4))
    add("UBKT", "Ủy ban Kiểm tra Tỉnh ủy", "party", "TU", "party_board", 22, 27, (3, 3),
        roles(["INS-INSPECT", "INS-COMPLAINT", "INS-DISCIPLINE", "INS-PARTYFIN", "INS-ASSETS"],
              ["INS-ANTICORR", "PARTY-LEAD"]), party, "Chủ nhiệm", (3, 4))
    add("BTG", "Ban Tuyên giáo Tỉnh ủy", "party", "TU", "party_board", 18, 22, (2, 3),
        roles(["PROP-PROPAGANDA", "PROP-RESOLUTION", "PROP-HISTORY", "PROP-OPINION"],
              ["PROP-THEORY", "CUL-INFO", "PARTY-LEAD"]), party, "Trưởng ban", (3, 4))
    add("BDV", "Ban Dân vận Tỉnh ủy", "party", "TU", "party_board", 13, 16, (2, 3),
        roles(["MM-MOBIL", "MM-ETHNIC-RELIG", "MM-MASSORG"],
              ["MM-DEMOCRACY", "MM-SUPERVISE", "HA-RELIG", "PARTY-LEAD"]), party, "Trưởng ban",
        (2, 3))
    add("TCT", "Trường Chính trị tỉnh Quảng Ngãi", "public_service", "TU", "center", 38, 45,
        (2, 3), roles(["PROP-THEORY", "PROP-RESOLUTION"], ["ORG-TRAIN", "PROP-PROPAGANDA"]),
        (("185-QĐ/TW", *PSU_18), PSU_15), "Hiệu trưởng", (4, 5))
    # State
    add("HDND", "Hội đồng nhân dân tỉnh Quảng Ngãi", "state", None, "council", 4, 4, (2, 2),
        roles(["COUNCIL-LEGIS"]), gov, "Chủ tịch HĐND tỉnh")
    add("VPHDND", "Văn phòng Đoàn ĐBQH và HĐND tỉnh", "state", "HDND", "office", 24, 28, (2, 3),
        roles(["OFF-COUNCIL"], ["OFF-DOCS", "COUNCIL-LEGIS"]), gov, "Chánh Văn phòng", (3, 4))
    add("UBND", "Ủy ban nhân dân tỉnh Quảng Ngãi", "state", None, "committee", 5, 5, (4, 4),
        roles(["STATE-ADMIN"]), gov, "Chủ tịch UBND tỉnh",
        deputy_title="Phó Chủ tịch UBND tỉnh")
    add("VPUB", "Văn phòng UBND tỉnh", "state", "UBND", "office", 52, 60, (3, 4),
        roles([*OFFICE_SHARED, "OFF-ONESTOP"], ["STATE-ADMIN", "INS-CITIZEN", "COM-DIGITAL"]),
        (DEPT_18, DEPT_15), "Chánh Văn phòng", (6, 8))
    depts: list[tuple[str, str, str, int, int, Roles, Any, str]] = [
        ("SNV", "Sở Nội vụ", "department", 44, 52,
         roles(["ORG-STRUCT", "ORG-STAFF", "ORG-TRAIN", "HA-ADMINREFORM", "HA-EMUL", "HA-RELIG",
                "HA-ADMUNIT"], ["ORG-CADRE", "ORG-ASSESS", "OFF-ARCHIVE"]), dept, "Giám đốc"),
        ("TTR", "Thanh tra tỉnh", "inspectorate", 33, 38,
         roles(["INS-INSPECT", "INS-COMPLAINT", "INS-ANTICORR", "INS-CITIZEN"], ["INS-ASSETS"]),
         ins, "Chánh Thanh tra"),
        ("STC", "Sở Tài chính", "department", 50, 58,
         roles(["FIN-BUDGET", "FIN-ASSET"], ["FIN-PLAN"]), dept, "Giám đốc"),
        ("SKHDT", "Sở Kế hoạch và Đầu tư", "department", 42, 48,
         roles(["FIN-PLAN"], ["ECO-ZONE", "FIN-BUDGET"]), dept, "Giám đốc"),
        ("STP", "Sở Tư pháp", "department", 28, 34,
         roles(["JUS-LEGALDOC", "JUS-LEGALEDU", "JUS-CIVIL", "JUS-MEDIATION"]), dept,
         "Giám đốc"),
        ("SCT", "Sở Công Thương", "department", 45, 55,
         roles(["ECO-INDUSTRY"], ["ECO-PROMOTION"]), dept, "Giám đốc"),
        ("SNN", "Sở Nông nghiệp và Phát triển nông thôn", "department", 150, 175,
         roles(["AGR-CROP", "AGR-IRRIG", "AGR-NTM", "AGR-FOREST"], ["AGR-EXTENSION"]), dept,
         "Giám đốc"),
        ("SGTVT", "Sở Giao thông vận tải", "department", 55, 65,
         roles(["ECO-TRANSPORT"], ["ECO-CONSTR"]), dept, "Giám đốc"),
        ("SXD", "Sở Xây dựng", "department", 36, 44, roles(["ECO-CONSTR"], ["ECO-PROJECT"]),
         dept, "Giám đốc"),
        ("STNMT", "Sở Tài nguyên và Môi trường", "department", 55, 65,
         roles(["NRE-LAND", "NRE-ENV"], ["NRE-LANDREG", "NRE-LANDFUND"]), dept, "Giám đốc"),
        ("STTTT", "Sở Thông tin và Truyền thông", "department", 22, 28,
         roles(["CUL-INFO", "COM-DIGITAL"], ["CUL-BROADCAST"]), dept, "Giám đốc"),
        ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội", "department", 46, 54,
         roles(["LAB-EMPLOY", "LAB-SOCIAL", "LAB-MERIT", "LAB-CHILD", "COM-POVERTY"],
               ["EDU-VOCATION"]), dept, "Giám đốc"),
        ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "department", 40, 48,
         roles(["CUL-CULTURE", "CUL-SPORT"]), dept, "Giám đốc"),
        ("SKHCN", "Sở Khoa học và Công nghệ", "department", 28, 34, roles(["SCI-TECH"]), dept,
         "Giám đốc"),
        ("SGDDT", "Sở Giáo dục và Đào tạo", "department", 55, 62,
         roles(["EDU-MGMT"], ["EDU-VOCATION"]), dept, "Giám đốc"),
        ("SYT", "Sở Y tế", "department", 42, 50, roles(["HEA-MGMT", "HEA-FOODSAFE"]), dept,
         "Giám đốc"),
        ("BDT", "Ban Dân tộc tỉnh", "department", 18, 22,
         roles(["ETH-POLICY"], ["MM-ETHNIC-RELIG", "COM-POVERTY"]), dept, "Trưởng ban"),
        ("SNGV", "Sở Ngoại vụ", "department", 15, 19, roles(["EXT-FOREIGN"]), dept, "Giám đốc"),
        ("BQLKKT", "Ban Quản lý Khu kinh tế Dung Quất và các Khu công nghiệp Quảng Ngãi",
         "board", 65, 75, roles(["ECO-ZONE"], ["ECO-CONSTR", "NRE-ENV"]), dept, "Trưởng ban"),
    ]
    for sfx, name, kind, lo, hi, fn, regs, title in depts:
        if kind != "inspectorate" and b.rng.random() < 0.6:
            fn = {**fn, "HA-ADMINREFORM": fn.get("HA-ADMINREFORM", "support")}
        add(sfx, name, "state", "UBND", kind, lo, hi, (2, 4), fn, regs, title, (4, 9))
    # Front
    add("MTTQ", "Ủy ban MTTQ Việt Nam tỉnh Quảng Ngãi", "front", None, "committee", 24, 28,
        (2, 3), roles(["MM-SUPERVISE", "MM-SOLIDARITY", "MM-PEOPLEINSPECT", "MM-CHARITY",
                       "MM-DEMOCRACY"], ["MM-MOBIL", "MM-MASSORG"]), front, "Chủ tịch", (4, 5))
    for sfx, name, fn_code, lo, hi, title in [
        ("HLHPN", "Hội Liên hiệp Phụ nữ tỉnh", "WU-WOMEN", 18, 22, "Chủ tịch"),
        ("DTN", "Tỉnh Đoàn Quảng Ngãi", "YU-YOUTH", 20, 24, "Bí thư"),
        ("HND", "Hội Nông dân tỉnh", "FU-FARMERS", 16, 20, "Chủ tịch"),
        ("HCCB", "Hội Cựu chiến binh tỉnh", "VA-VETERANS", 10, 13, "Chủ tịch"),
    ]:
        add(sfx, name, "front", "MTTQ", "mass_org", lo, hi, (1, 2),
            roles([fn_code], ["MM-SUPERVISE", "MM-SOLIDARITY"]), front, title, (3, 4))
    # Public service units
    for sfx, name, parent, lo, hi, fn, title in [
        ("BVDK", "Bệnh viện Đa khoa tỉnh Quảng Ngãi", "SYT", 820, 880, roles(["HEA-CARE"]),
         "Giám đốc"),
        ("BVSN", "Bệnh viện Sản - Nhi tỉnh Quảng Ngãi", "SYT", 400, 440,
         roles(["HEA-MCH"], ["HEA-CARE"]), "Giám đốc"),
        ("CDVH", "Trường Cao đẳng Việt Nam - Hàn Quốc - Quảng Ngãi", "UBND", 220, 245,
         roles(["EDU-VOCATION"]), "Hiệu trưởng"),
        ("DPTTH", "Đài Phát thanh - Truyền hình Quảng Ngãi", "UBND", 120, 135,
         roles(["CUL-BROADCAST"], ["CUL-INFO"]), "Giám đốc"),
        ("VPDKDD", "Văn phòng Đăng ký đất đai tỉnh", "STNMT", 140, 160, roles(["NRE-LANDREG"]),
         "Giám đốc"),
        ("TTPTQD", "Trung tâm Phát triển quỹ đất tỉnh", "STNMT", 32, 38,
         roles(["NRE-LANDFUND"]), "Giám đốc"),
        ("TTCNTT", "Trung tâm Công nghệ thông tin Tài nguyên và Môi trường", "STNMT", 16, 20,
         roles([], ["COM-DIGITAL", "NRE-LANDREG"]), "Giám đốc"),
    ]:
        add(sfx, name, "public_service", parent, "psu", lo, hi, (1, 3), fn, psu, title, (2, 6))
    # Two promotion centres of 2015 were one centre by 2018.
    add("TTKCXT", "Trung tâm Khuyến công và Xúc tiến thương mại", "public_service", "SCT", "psu",
        18, 22, (1, 2), roles(["ECO-PROMOTION"], ["ECO-INDUSTRY"]), psu, "Giám đốc", (2, 3))
    b.units[-1].quota_2015 = None  # did not exist in 2015
    add("TTKC", "Trung tâm Khuyến công", "public_service", "SCT", "psu", 11, 13, (1, 2),
        roles(["ECO-PROMOTION"], ["ECO-INDUSTRY"]), psu, "Giám đốc", (1, 2), in_2018=False)
    add("TTXTTM", "Trung tâm Xúc tiến thương mại", "public_service", "SCT", "psu", 9, 11, (1, 2),
        roles([], ["ECO-PROMOTION", "ECO-INDUSTRY"]), psu, "Giám đốc", (1, 2), in_2018=False)


def district_units(b: Builder, d: DistrictSpec) -> None:
    rng, t, s = b.rng, d.id, d.size
    pc, place, short = d.party_committee, d.place, d.short
    party, gov, front = (PARTY_18, PARTY_15), (GOV_18, GOV_15), (FRONT_18, FRONT_15)
    div, psu = (DIV_18, DIV_15), (PSU_18, PSU_15)

    def staff(lo: int, hi: int) -> tuple[int, int]:
        # Small districts sit at the bottom of the range, large ones at the top.
        span = hi - lo
        return b.staff(lo + span * s // 4, lo + span * (s + 2) // 4)

    def add(sfx: str, name: str, bloc: str, parent: str, kind: str, st: tuple[int, int],
            dep: tuple[int, int], fn: Roles, regs: tuple[Sequence[str], Sequence[str]],
            title: str, **kw: Any) -> UnitDraft:
        return b.add(f"{t}-{sfx}", name, bloc, "district", t, parent, kind, st,
                     rng.randint(*dep), fn, regs[0], regs[1], title, **kw)

    def maybe(p: float, *codes: str) -> list[str]:
        return [c for c in codes if rng.random() < p]

    hu, ub = f"{t}-HU", f"{t}-UBND"
    # Party Committee, People's Council, People's Committee.
    add("HU", f"{pc} {place}", "party", f"{PROVINCE}-TU", "committee", (3, 3), (2, 2),
        roles(["PARTY-LEAD"]), party, f"Bí thư {pc}", deputy_title=f"Phó Bí thư {pc}")
    add("HDND", f"Hội đồng nhân dân {short}", "state", f"{PROVINCE}-HDND", "council", (2, 2),
        (1, 1), roles(["COUNCIL-LEGIS"]), gov, "Chủ tịch HĐND")
    add("UBND", f"Ủy ban nhân dân {short}", "state", f"{PROVINCE}-UBND", "committee", (3, 3),
        (2, 2) if s < 2 else (2, 3), roles(["STATE-ADMIN"]), gov, "Chủ tịch UBND",
        deputy_title="Phó Chủ tịch UBND")

    # Pilot model 1: the two Offices.
    shared_off = list(OFFICE_SHARED[:2]) + maybe(0.7, *OFFICE_SHARED[2:])
    add("VPHU", f"Văn phòng {pc} {place}", "party", hu, "office", staff(8, 12), (1, 2),
        roles([*shared_off, "OFF-PARTYFIN"],
              ["PARTY-LEAD", *OFFICE_SHARED, *maybe(0.5, "COM-DIGITAL")]), party,
        "Chánh Văn phòng")
    add("VP", f"Văn phòng HĐND và UBND {short}", "state", ub, "office", staff(11, 17), (2, 3),
        roles([*OFFICE_SHARED, "OFF-COUNCIL", "OFF-ONESTOP"],
              ["STATE-ADMIN", "INS-CITIZEN", *maybe(0.5, "COM-DIGITAL")]), div,
        "Chánh Văn phòng")
    # Pilot model 2: Organisation Board and Home Affairs.
    cadre_dup = rng.random() < 0.6
    add("BTC", f"Ban Tổ chức {pc} {place}", "party", hu, "party_board", staff(5, 8), (1, 2),
        roles(["ORG-CADRE", "ORG-STRUCT", "ORG-STAFF", "ORG-PARTYMEM", "ORG-ASSESS",
               *maybe(0.5, "ORG-TRAIN")], ["ORG-TRAIN", "PARTY-LEAD"]), party, "Trưởng ban")
    add("PNV", f"Phòng Nội vụ {short}", "state", ub, "division", staff(5, 9), (1, 2),
        roles(["ORG-STRUCT", "ORG-STAFF", "ORG-TRAIN", "HA-ADMINREFORM", "HA-EMUL", "HA-RELIG",
               *(["ORG-CADRE"] if cadre_dup else []), *maybe(0.5, "HA-ADMUNIT")],
              ["ORG-CADRE", "ORG-ASSESS", *maybe(0.4, "OFF-ARCHIVE")]), div, "Trưởng phòng")
    # Pilot model 3: Inspection Committee and Inspectorate.
    add("UBKT", f"Ủy ban Kiểm tra {pc} {place}", "party", hu, "party_board", staff(5, 8),
        (1, 2), roles(["INS-INSPECT", "INS-COMPLAINT", "INS-DISCIPLINE", "INS-PARTYFIN",
                       *maybe(0.5, "INS-ASSETS")],
                      ["INS-ANTICORR", "INS-ASSETS", "PARTY-LEAD"]), party, "Chủ nhiệm")
    add("TTR", f"Thanh tra {short}", "state", ub, "inspectorate", staff(5, 8), (1, 2),
        roles(["INS-INSPECT", "INS-COMPLAINT", "INS-ANTICORR", "INS-CITIZEN"],
              ["INS-ASSETS"]), (("37/2014/NĐ-CP", "56/2010/QH12", "18-NQ/TW"),
                                ("37/2014/NĐ-CP", "56/2010/QH12")), "Chánh Thanh tra")
    # Pilot model 4: Propaganda Board and Political Training Centre.
    add("BTG", f"Ban Tuyên giáo {pc} {place}", "party", hu, "party_board", staff(4, 7), (1, 2),
        roles(["PROP-PROPAGANDA", "PROP-RESOLUTION", "PROP-OPINION",
               *maybe(0.5, "PROP-HISTORY", "PROP-THEORY")],
              ["PROP-HISTORY", "PROP-THEORY", "PROP-NEWPARTY", "CUL-INFO", "PARTY-LEAD",
               *maybe(0.4, "JUS-LEGALEDU")]), party, "Trưởng ban")
    add("TTCT", f"Trung tâm Bồi dưỡng chính trị {short}", "public_service", hu, "center",
        staff(4, 7), (1, 2), roles(["PROP-THEORY", "PROP-RESOLUTION", "PROP-NEWPARTY"],
                                   ["PROP-PROPAGANDA", "PROP-HISTORY", "ORG-TRAIN"]),
        (("185-QĐ/TW", "19-NQ/TW"), ("185-QĐ/TW",)), "Giám đốc")
    # Pilot model 5 / 6: Mass Mobilisation Board and the Fatherland Front.
    add("BDV", f"Ban Dân vận {pc} {place}", "party", hu, "party_board", staff(3, 6), (1, 2),
        roles(["MM-MOBIL", "MM-DEMOCRACY", "MM-ETHNIC-RELIG", "MM-MASSORG"],
              ["MM-SUPERVISE", "MM-SOLIDARITY", "MM-PEOPLEINSPECT", "HA-RELIG", "PARTY-LEAD"]),
        party, "Trưởng ban")
    add("MTTQ", f"Ủy ban MTTQ Việt Nam {short}", "front", f"{PROVINCE}-MTTQ", "committee",
        staff(5, 8), (1, 2),
        roles(["MM-MOBIL", "MM-DEMOCRACY", "MM-SUPERVISE", "MM-SOLIDARITY",
               "MM-PEOPLEINSPECT", "MM-CHARITY"],
              ["MM-MASSORG", "MM-ETHNIC-RELIG", *maybe(0.6, "COM-POVERTY"),
               *maybe(0.6, "JUS-MEDIATION")]), front, "Chủ tịch")
    for sfx, name, code, extra, title in [
        ("HLHPN", f"Hội Liên hiệp Phụ nữ {short}", "WU-WOMEN", "LAB-CHILD", "Chủ tịch"),
        ("DTN", f"Đoàn TNCS Hồ Chí Minh {short}", "YU-YOUTH", "CUL-SPORT", "Bí thư"),
        ("HND", f"Hội Nông dân {short}", "FU-FARMERS", "AGR-NTM", "Chủ tịch"),
        ("HCCB", f"Hội Cựu chiến binh {short}", "VA-VETERANS", "LAB-MERIT", "Chủ tịch"),
    ]:
        # Each takes part in the Front's campaigns and helps one sector.
        add(sfx, name, "front", f"{PROVINCE}-{sfx}", "mass_org", staff(3, 5), (1, 1),
            roles([code], [extra, "MM-SOLIDARITY"]), front, title)

    # State divisions.
    reform = ["HA-ADMINREFORM"]
    divisions: list[tuple[str, str, str, Roles]] = [
        ("TCKH", "Phòng Tài chính - Kế hoạch", "division",
         roles(["FIN-BUDGET", "FIN-ASSET", "FIN-PLAN"], reform)),
        ("GDDT", "Phòng Giáo dục và Đào tạo", "division",
         roles(["EDU-MGMT"])),
        ("YT", "Phòng Y tế", "division", roles(["HEA-MGMT", "HEA-FOODSAFE"])),
        ("LDTBXH", "Phòng Lao động - Thương binh và Xã hội", "division",
         roles(["LAB-EMPLOY", "LAB-SOCIAL", "LAB-MERIT", "LAB-CHILD", "COM-POVERTY"])),
        ("TP", "Phòng Tư pháp", "division",
         roles(["JUS-LEGALDOC", "JUS-LEGALEDU", "JUS-CIVIL", "JUS-MEDIATION"])),
        ("VHTT", "Phòng Văn hóa và Thông tin", "division",
         roles(["CUL-CULTURE", "CUL-INFO", "COM-DIGITAL"])),
        ("TNMT", "Phòng Tài nguyên và Môi trường", "division",
         roles(["NRE-LAND", "NRE-ENV"], maybe(0.6, "NRE-LANDREG"))),
    ]
    if d.city:
        divisions += [
            ("KT", "Phòng Kinh tế", "division",
             roles(["AGR-CROP", "AGR-IRRIG", "AGR-NTM", "ECO-INDUSTRY"])),
            ("QLDT", "Phòng Quản lý đô thị", "division",
             roles(["ECO-CONSTR", "ECO-TRANSPORT"], ["NRE-ENV"])),
        ]
    else:
        forest = ["AGR-FOREST"] if d.mountainous else []
        divisions += [
            ("NN", "Phòng Nông nghiệp và Phát triển nông thôn", "division",
             roles(["AGR-CROP", "AGR-IRRIG", "AGR-NTM", *forest], maybe(0.5, "COM-POVERTY"))),
            ("KTHT", "Phòng Kinh tế và Hạ tầng", "division",
             roles(["ECO-CONSTR", "ECO-TRANSPORT", "ECO-INDUSTRY"], maybe(0.5, "AGR-IRRIG"))),
        ]
    if d.mountainous:
        divisions.append(("DT", "Phòng Dân tộc", "division",
                          roles(["ETH-POLICY"], ["MM-ETHNIC-RELIG", "COM-POVERTY"])))
    for sfx, name, kind, fn in divisions:
        if rng.random() < 0.5:
            fn = {**fn, "HA-ADMINREFORM": fn.get("HA-ADMINREFORM", "support")}
        add(sfx, f"{name} {short}", "state", ub, kind, staff(5, 12), (1, 2) if s < 2 else (1, 3),
            fn, div, "Trưởng phòng")

    # Public service units (3-6 a district).
    add("TTYT", f"Trung tâm Y tế {short}", "public_service", f"{PROVINCE}-SYT", "psu",
        staff(45, 160), (2, 3), roles(["HEA-CARE", "HEA-PREVENT", "HEA-MCH"], ["HEA-FOODSAFE"]),
        psu,
        "Giám đốc", divisions=rng.randint(3, 5))
    # In 2015 the district radio was its own unit; by 2018 the culture centre ran it.
    add("TTVH", f"Trung tâm Văn hóa - Thông tin - Thể thao {short}", "public_service", ub, "psu",
        staff(8, 16), (1, 2), roles(["CUL-BROADCAST", "CUL-SPORT"], ["CUL-CULTURE"]), psu,
        "Giám đốc", functions_2015=roles(["CUL-SPORT"], ["CUL-CULTURE"]))
    add("DTT", f"Đài Truyền thanh {short}", "public_service", ub, "psu", staff(4, 7), (1, 1),
        roles(["CUL-BROADCAST"], ["PROP-PROPAGANDA"]), psu, "Trưởng đài", in_2018=False)
    add("BQLDA", f"Ban Quản lý dự án đầu tư xây dựng {short}", "public_service", ub, "psu",
        staff(8, 15), (1, 2), roles(["ECO-PROJECT"], ["ECO-CONSTR"]), psu, "Giám đốc")
    if not d.city:
        add("TTNN", f"Trung tâm Dịch vụ nông nghiệp {short}", "public_service", ub, "psu",
            staff(6, 12), (1, 2), roles(["AGR-EXTENSION"], ["AGR-CROP"]), psu, "Giám đốc")
    if d.size == 2 or d.id == "ST":
        add("QDD", f"Trung tâm Phát triển quỹ đất {short}", "public_service", ub, "psu",
            staff(6, 10), (1, 1), roles(["NRE-LANDFUND"], ["NRE-LAND"]), psu, "Giám đốc")
    if d.size >= 1:
        add("GDNN", f"Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên {short}",
            "public_service", ub, "psu", staff(15, 26), (1, 2),
            roles(["EDU-VOCATION"], ["LAB-EMPLOY"]), psu, "Giám đốc")


def commune_units(b: Builder, c: Territory, d: DistrictSpec) -> None:
    rng = b.rng
    kind = c.name.split(" ", 1)[0]  # Xã / Phường / Thị trấn
    lower = kind.lower() if kind != "Thị" else "thị trấn"
    big = c.population >= 10_000
    party_regs = ("DIEU-LE-DANG-2011", *COMMUNE_18)
    b.add(f"{c.id}-DU", f"Đảng ủy {c.name[0].lower()}{c.name[1:]}", "party", "commune", c.id,
          f"{d.id}-HU", "committee", b.staff(2, 3), 1,
          roles(["PARTY-LEAD", "ORG-PARTYMEM", "PROP-PROPAGANDA"], ["MM-MOBIL"]), party_regs,
          ("DIEU-LE-DANG-2011", *COMMUNE_15), "Bí thư Đảng ủy",
          deputy_title="Phó Bí thư Đảng ủy")
    leads = ["STATE-ADMIN", "FIN-BUDGET", "LAB-SOCIAL", "JUS-CIVIL", "NRE-LAND", "INS-CITIZEN",
             "OFF-ONESTOP"]
    if kind == "Xã":
        leads.append("AGR-NTM")
    b.add(f"{c.id}-UB", f"Ủy ban nhân dân {c.name[0].lower()}{c.name[1:]}", "state", "commune",
          c.id, f"{d.id}-UBND", "committee", b.staff(12, 16) if big else b.staff(10, 14),
          2 if big or rng.random() < 0.3 else 1,
          roles(leads, ["INS-COMPLAINT", "CUL-CULTURE"]), ("77/2015/QH13", *COMMUNE_18),
          ("11/2003/QH11", *COMMUNE_15), f"Chủ tịch UBND {lower}",
          deputy_title=f"Phó Chủ tịch UBND {lower}")
    b.add(f"{c.id}-MT", f"Ủy ban MTTQ Việt Nam {c.name[0].lower()}{c.name[1:]}", "front",
          "commune", c.id, f"{d.id}-MTTQ", "committee", b.staff(2, 3), 1,
          roles(["MM-MOBIL", "MM-DEMOCRACY", "MM-SUPERVISE", "MM-SOLIDARITY"],
                ["JUS-MEDIATION", *(["COM-POVERTY"] if rng.random() < 0.5 else [])]),
          ("75/2015/QH13", *COMMUNE_18), ("14/1999/QH10", *COMMUNE_15), "Chủ tịch UB MTTQ")


# -- people ----------------------------------------------------------------------------

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Bùi", "Đặng",
            "Đỗ", "Ngô", "Hồ", "Dương", "Đinh")
MIDDLE = ("Văn", "Thị", "Minh", "Đức", "Ngọc", "Hữu", "Thanh", "Quang")


def people(rng: random.Random,
           drafts: list[UnitDraft]) -> dict[str, tuple[list[Person], list[Post]]]:
    """Per unit: its posts and the persons holding them (names are obviously made up)."""
    out: dict[str, tuple[list[Person], list[Post]]] = {}
    n = 0
    for u in drafts:
        persons: list[Person] = []
        posts: list[Post] = []
        for k in range(1 + (u.unit.deputies if u.deputy_title else 0)):
            n += 1
            pid = f"P{n:05d}"
            name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {chr(65 + n % 26)}{n}"
            persons.append(Person(id=pid, name=name))
            head = k == 0
            posts.append(Post(
                id=f"{u.unit.id}.head" if head else f"{u.unit.id}.dep{k}", unit=u.unit.id,
                kind="head" if head else "deputy",
                title=u.title if head else u.deputy_title, holder=pid))
        out[u.unit.id] = (persons, posts)
    return out


# -- assembling ------------------------------------------------------------------------


def build(seed: int = SEED) -> tuple[Org, Org]:
    """The 2018 org and the 2015 baseline, both from one seeded draw."""
    rng = random.Random(seed)
    terr = territories(rng)
    b = Builder(rng)
    province_units(b)
    for d in DISTRICTS:
        district_units(b, d)
    communes = {t.id: t for t in terr if t.level == "commune"}
    for d in DISTRICTS:
        for cid in sorted(c for c in communes if communes[c].parent == d.id):
            commune_units(b, communes[cid], d)
    staff = people(rng, b.units)
    regs = [Regulation(id=i, title=t, issued=date.fromisoformat(s),
                       in_force_from=date.fromisoformat(f) if f else None,
                       repealed_on=date.fromisoformat(r) if r else None)
            for i, t, s, f, r in REGULATIONS]
    funcs = [Function(code=c, name=n, domain=dm, required_at=list(req))
             for c, n, dm, req in FUNCTIONS]

    def org(year: int) -> Org:
        units: list[Unit] = []
        assignments: list[Assignment] = []
        persons: list[Person] = []
        posts: list[Post] = []
        for u in b.units:
            if year == 2018 and not u.in_2018:
                continue
            if year == 2015 and u.quota_2015 is None:
                continue
            unit = u.unit
            fn = u.functions
            if year == 2015:
                unit = unit.model_copy(update={
                    "staff_quota": u.quota_2015, "staff_actual": u.actual_2015,
                    "regulations": tuple(sorted(u.regs_2015))})
                fn = u.functions_2015 if u.functions_2015 is not None else fn
            units.append(unit)
            assignments.extend(Assignment(unit=unit.id, function=f, role=r)
                               for f, r in sorted(fn.items()))
            ps, po = staff[unit.id]
            persons.extend(ps)
            posts.extend(po)
        in_force = date(year, 1, 1)
        return Org(
            name=NAME if year == 2018 else NAME_2015, as_of=in_force, territories=terr,
            regulations=regs, functions=funcs, units=units, assignments=assignments,
            persons=persons, posts=posts).normalized()

    return org(2018), org(2015)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DATA_DIR,
                        help="directory to write the two YAML files into")
    parser.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    org_2018, org_2015 = build(args.seed)
    for org in (org_2018, org_2015):
        OrgGraph(org)  # raises InvalidOrgData if the generator made an inconsistent org
    args.out.mkdir(parents=True, exist_ok=True)
    save_org(org_2018, args.out / FILE_2018)
    save_org(org_2015, args.out / FILE_2015)
    # The same bundles as JSON: what sample_org() reads (about 8x faster than the YAML).
    save_org(org_2018, args.out / FILE_2018.replace(".yaml", ".json"))
    save_org(org_2015, args.out / FILE_2015.replace(".yaml", ".json"))
    for org, file in ((org_2018, FILE_2018), (org_2015, FILE_2015)):
        print(f"{args.out / file}: {len(org.territories)} territories, {len(org.units)} units, "
              f"staff quota {sum(u.staff_quota for u in org.units)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
