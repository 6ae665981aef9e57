"""A merger leaves one head: the other heads become deputies (default) or leave."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from orgs import random_orgs

from mergepilot.orgchart import (
    IllegalChange,
    Org,
    OrgGraph,
    Person,
    Post,
    PostKind,
    Territory,
    Unit,
    UnknownId,
    count_units,
    metrics,
)


def _unit(id: str, territory: str, bloc: str, deputies: int | None = 1) -> Unit:
    return Unit(id=id, name=id, bloc=bloc, level="district", territory=territory,
                staff_quota=10, staff_actual=9, deputies=deputies, divisions=0)


def two_districts() -> Org:
    """Two districts, each with a Party Committee Office (VPHU) and a People's Committee
    Office (VP), each with a head and one deputy post."""
    units, persons, posts = [], [], []
    for d in ("D1", "D2"):
        for sfx, bloc in (("VPHU", "party"), ("VP", "state")):
            uid = f"{d}-{sfx}"
            units.append(_unit(uid, d, bloc))
            persons += [Person(id=f"{uid}-h", name=f"Trưởng {uid}"),
                        Person(id=f"{uid}-d", name=f"Phó {uid}")]
            posts += [Post(id=f"{uid}-head", unit=uid, title="Chánh Văn phòng",
                           holder=f"{uid}-h"),
                      Post(id=f"{uid}-dep", unit=uid, kind="deputy", holder=f"{uid}-d")]
    return Org(territories=[Territory(id="P", name="P", level="province"),
                            *(Territory(id=d, name=d, level="district", parent="P")
                              for d in ("D1", "D2"))],
               units=units, persons=persons, posts=posts).normalized()


def heads_of(g: OrgGraph, unit: str) -> list[Post]:
    return [p for p in g.posts(unit) if p.kind == PostKind.HEAD]


def test_absorbing_drops_head_posts_by_one_and_raises_deputies_by_one() -> None:
    org = two_districts()
    g = OrgGraph(org)
    rec = g.absorb(["D1-VPHU"], into="D1-VP")
    assert [p.id for p in heads_of(g, "D1-VP")] == ["D1-VP-head"]
    moved = g.post("D1-VPHU-head")
    assert (moved.unit, moved.kind, moved.holder) == ("D1-VP", PostKind.DEPUTY, "D1-VPHU-h")
    assert moved.title == "Phó Chánh Văn phòng"
    assert g.post("D1-VPHU-dep").unit == "D1-VP"  # deputies move as before
    assert g.unit("D1-VP").deputies == 3  # 1 + 1 + the converted head
    ch = metrics(g, org).changes
    assert ch is not None
    assert (ch["head_posts"].absolute, ch["heads"].absolute) == (-1, -1)
    assert ch["deputies"].absolute == 1
    assert ch["units"].absolute == -1
    g.revert(rec)
    assert g.to_org() == org


def test_heads_leave_ends_the_other_head_posts() -> None:
    org = two_districts()
    g = OrgGraph(org)
    rec = g.absorb(["D1-VPHU"], into="D1-VP", heads="leave")
    assert "D1-VPHU-head" not in {p.id for p in g.posts()}
    assert g.person("D1-VPHU-h").id == "D1-VPHU-h"  # the person stays in the org
    assert g.unit("D1-VP").deputies == 2
    c, b = count_units(g)[()], count_units(org)[()]
    assert (c.head_posts, c.heads, c.deputies) == (b.head_posts - 1, b.heads - 1, b.deputies)
    g.revert(rec)
    assert g.to_org() == org


def test_the_proposal_may_name_the_head() -> None:
    g = OrgGraph(two_districts())
    g.absorb(["D1-VPHU"], into="D1-VP", head="D1-VPHU-head")
    assert [p.holder for p in heads_of(g, "D1-VP")] == ["D1-VPHU-h"]
    assert g.post("D1-VP-head").kind == PostKind.DEPUTY


def test_amalgamate_keeps_the_first_listed_units_head_unless_told() -> None:
    def new() -> Unit:
        return Unit(id="D1-VPC", name="Văn phòng chung", bloc="party", level="district",
                    territory="D1")
    g = OrgGraph(two_districts())
    g.amalgamate(["D1-VP", "D1-VPHU"], into=new())
    assert [p.id for p in heads_of(g, "D1-VPC")] == ["D1-VP-head"]
    assert g.unit("D1-VPC").deputies == 3
    g = OrgGraph(two_districts())
    g.amalgamate(["D1-VP", "D1-VPHU"], into=new(), head="D1-VPHU-head", heads="leave")
    assert [p.id for p in heads_of(g, "D1-VPC")] == ["D1-VPHU-head"]
    assert "D1-VP-head" not in {p.id for p in g.posts()}
    assert g.unit("D1-VPC").deputies == 2


def test_one_person_heading_two_merged_units_ends_up_the_single_head() -> None:
    org = two_districts()
    g = OrgGraph(org)
    g.merge_posts("D1-VP-head", "D1-VPHU-head")  # kiêm nhiệm
    before = count_units(g)[()]
    rec = g.absorb(["D1-VPHU"], into="D1-VP")
    mine = [p for p in g.posts() if p.holder == "D1-VP-h"]
    assert [(p.id, p.kind) for p in mine] == [("D1-VP-head", PostKind.HEAD)]
    assert g.unit("D1-VP").deputies == 2  # nobody became a deputy
    after = count_units(g)[()]
    assert (after.head_posts, after.heads) == (before.head_posts - 1, before.heads)
    g.revert(rec)
    assert g.post("D1-VPHU-head").holder == "D1-VP-h"


def test_an_unknown_deputy_count_stays_unknown() -> None:
    org = two_districts()
    org = org.model_copy(update={"units": [
        u.model_copy(update={"deputies": None}) if u.id == "D1-VP" else u for u in org.units]})
    g = OrgGraph(org)
    g.absorb(["D1-VPHU"], into="D1-VP")
    assert g.unit("D1-VP").deputies is None


@pytest.mark.parametrize(("head", "error", "message"), [
    pytest.param("NOPE", UnknownId, "NOPE", id="unknown-post"),
    pytest.param("D2-VP-head", IllegalChange, "not a head post of a merged unit",
                 id="other-unit"),
    pytest.param("D1-VP-dep", IllegalChange, "not a head post", id="deputy-post"),
])
def test_a_head_that_is_not_a_merged_units_head_post_is_refused(
        head: str, error: type[Exception], message: str) -> None:
    org = two_districts()
    g = OrgGraph(org)
    with pytest.raises(error, match=message):
        g.absorb(["D1-VPHU"], into="D1-VP", head=head)
    assert g.to_org() == org


def test_an_unknown_heads_mode_is_refused() -> None:
    g = OrgGraph(two_districts())
    with pytest.raises(IllegalChange, match="heads"):
        g.absorb(["D1-VPHU"], into="D1-VP", heads="stay")  # type: ignore[arg-type]


# -- properties ---------------------------------------------------------------------------


@given(random_orgs(), st.lists(st.integers(0, 50), min_size=2, max_size=4, unique=True),
       st.booleans(), st.sampled_from(["deputies", "leave"]), st.integers(0, 50))
def test_a_merger_leaves_at_most_one_head_and_keeps_every_person(
        org: Org, picks: list[int], new: bool, mode: str, share: int) -> None:
    g = OrgGraph(org)
    units = g.units()
    # a random concurrent post first, so one person may head two merged units
    posts = g.posts()
    if len(posts) > 1 and share % 3 == 0:
        with contextlib.suppress(IllegalChange):
            g.merge_posts(posts[share % len(posts)].id, posts[(share + 1) % len(posts)].id)
    ids = list(dict.fromkeys(units[i % len(units)].id for i in picks))
    if len(ids) < 2:
        return
    merged_posts = [p for u in ids for p in g.posts(u)]
    with_head = sum(1 for u in ids if heads_of(g, u))
    head_posts = sum(1 for p in merged_posts if p.kind == PostKind.HEAD)
    before = count_units(g)[()]
    holders = {p.holder for p in merged_posts if p.holder is not None}
    persons = g.persons()
    snapshot = g.to_org()
    try:
        if new:
            first = g.unit(ids[0])
            rec = g.amalgamate(ids, into=Unit(id="NEW", name="Mới", bloc=first.bloc,
                                              level=first.level, territory=first.territory),
                               heads=mode)  # type: ignore[arg-type]
            target = "NEW"
        else:
            rec = g.absorb(ids[1:], into=ids[0], heads=mode)  # type: ignore[arg-type]
            target = ids[0]
    except IllegalChange:
        assert g.to_org() == snapshot
        return
    after = count_units(g)[()]
    assert len(heads_of(g, target)) == (1 if with_head else 0)
    assert after.head_posts == before.head_posts - head_posts + (1 if with_head else 0)
    if all(p.kind == PostKind.HEAD for p in merged_posts) and head_posts == with_head:
        assert after.head_posts == before.head_posts - max(with_head - 1, 0)
    assert g.persons() == persons  # conservation of people: nobody vanishes from the org
    now = {p.holder for p in g.posts(target) if p.holder is not None}
    if mode == "deputies":
        assert now == holders  # every holder keeps a post in the merged unit
        by_holder: dict[str, int] = {}
        for p in g.posts(target):
            if p.holder is not None:
                by_holder[p.holder] = by_holder.get(p.holder, 0) + 1
        assert all(n == 1 for n in by_holder.values())  # one post each
    else:
        assert now <= holders
    g.revert(rec)
    assert g.to_org() == snapshot
