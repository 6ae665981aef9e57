"""Broken input at the store's doors: propose, fire and simulate, by API and CLI.

Each case compares the whole database (every row of every table) before and after: a
refused input leaves it exactly as it was, and an accepted one adds exactly what it
should (one proposal and its event per proposal; one event per fire). Nothing but a
``MergepilotError`` may come out; the CLI exits 0, 1 or 2 and prints no traceback.

Cases in CI (HYPOTHESIS_PROFILE=ci), with test_fuzz_proposals.py and the lead's
test_fuzz_org_files.py making up the >= 10,000 the issue asks for:

=========================================  =====
entry point                                cases
=========================================  =====
load_proposal (mutated)                     1500
load_plan (mutated)                         1500
load_proposal + load_plan (corrupted)       1500
mergepilot validate                          750
mergepilot validate --policy (loader)        300
Engine.propose                              1000
mergepilot propose (by token)                300
Engine.fire                                 1000
mergepilot fire (by token)                   250
mergepilot org load (by token)               150
mergepilot simulate                          300
=========================================  =====

The CLI runs on a user's store (:class:`UserStore`: an admin, one principal per lifecycle
role, one with no grant) and authenticates a token per call (argon2, ~0.2 s on purpose),
hence its lower counts (750, 500 and 300 before the CLI took tokens).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from actors import as_role
from hypothesis import event, given, settings
from hypothesis import strategies as st
from orgs import two_districts_with_overlap
from sqlalchemy.pool import NullPool
from test_fuzz_org_files import mutated, write_any
from test_fuzz_proposals import (
    PLAN,
    PROPOSALS,
    check_problems,
    corrupt,
    junk,
    mutate,
    run_cli,
    write,
)

from mergepilot.engine import Engine, TransitionRefused
from mergepilot.engine.identity import ADMIN, SYSTEM_ID, Principal
from mergepilot.orgchart import MergepilotError, save_org
from mergepilot.workflows import InvalidProposal, RoleNotAllowed, load_plan, proposal_from_data
from mergepilot.workflows.lifecycle import ROLES
from mergepilot.workflows.registry import LIFECYCLES, lifecycle_for

CI = os.environ.get("HYPOTHESIS_PROFILE") == "ci"


def cases(ci: int, local: int) -> int:
    return ci if CI else local


#: the CLI cases authenticate a token each (argon2, ~0.2 s on purpose), so fewer of them
PROPOSE_CLI_CASES = 300
FIRE_CLI_CASES = 250
ORG_LOAD_CLI_CASES = 150


def mostly(valid: st.SearchStrategy[Any], broken: st.SearchStrategy[Any]
           ) -> st.SearchStrategy[Any]:
    """Usually a valid value, sometimes a broken one: so that the input gets far enough
    to reach the store (a junk id stops at the first lookup)."""
    return st.sampled_from([valid] * 4 + [broken]).flatmap(lambda s: s)


TRIGGERS = sorted({t for lc in LIFECYCLES.values() for t in lc.triggers})
roles = mostly(st.sampled_from(sorted(ROLES)), st.sampled_from(["", "admin", "BTV", "x" * 300]))
texts = mostly(st.sampled_from(["đồng ý", "bổ sung hồ sơ", "Ban Thường vụ"]),
               st.one_of(st.text(max_size=30), st.sampled_from(["", "\x00", "a" * 5000])))
params = st.one_of(st.just({}), st.just({"outcome": "reverted"}), st.dictionaries(
    st.sampled_from(["outcome", "agree_share", "note", ""]),
    st.one_of(junk, st.sampled_from(["reverted", "adopted", "superseded", 0.9, 2.0])),
    max_size=3))


# -- the database, compared row by row -------------------------------------------------------


class Snapshotter:
    """Every row of every table of one database, to compare before and after."""

    def __init__(self, url: str) -> None:
        self._engine = sa.create_engine(url, poolclass=NullPool)
        md = sa.MetaData()
        md.reflect(self._engine)
        self.tables = sorted(md.tables)

    def __call__(self) -> dict[str, list[tuple[Any, ...]]]:
        with self._engine.connect() as conn:
            return {t: sorted((tuple(r) for r in conn.execute(sa.text(f'SELECT * FROM "{t}"'))),
                              key=repr) for t in self.tables}

    def close(self) -> None:
        self._engine.dispose()


#: tables whose rows are updated (versions, heads); every other table only grows
UPDATED_IN_PLACE = ("proposals", "clock", "org_head", "refusal_head", "ledger_head",
                    "alembic_version")


def added(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
          ) -> dict[str, int]:
    """Rows added per table; fails if a row of an append-only table changed or went."""
    out: dict[str, int] = {}
    for t, rows in before.items():
        new = after[t]
        if t not in UPDATED_IN_PLACE:
            assert set(rows) <= set(new), f"rows of {t} changed or removed"
        if len(new) != len(rows):
            out[t] = len(new) - len(rows)
    # Every write is one ledger entry (test_tamper checks what it holds).
    entries = out.pop("ledger", 0)
    assert entries == (1 if out else 0), f"{entries} ledger entries for {out}"
    return out


class Store:
    def __init__(self, folder: Path) -> None:
        self.url = f"sqlite:///{folder / 'fuzz.db'}"
        self.engine = Engine.open(self.url, upgrade=True, trust="simulation")
        self.engine.load_org(two_districts_with_overlap(), as_of=date(2018, 1, 1))
        self.snap = Snapshotter(self.url)
        self.org_file = save_org(two_districts_with_overlap(), folder / "org.yaml")
        self.folder = folder

    def close(self) -> None:
        self.engine.close()
        self.snap.close()


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory(prefix="mp-fuzz-store-") as d:
        s = Store(Path(d))
        try:
            yield s
        finally:
            s.close()


# -- a user's store, for the CLI (which authenticates by token) ------------------------------


@dataclass(frozen=True)
class Who:
    """What the CLI is given as MERGEPILOT_TOKEN (None: unset) and who that is: the
    principal's id (None: no principal authenticates) and the roles it holds, as the
    refusal log records them."""

    token: str | None
    id: str | None
    held: str


class UserStore(Store):
    """A store as a user has it (not a simulation's): an admin (``root``), the org, one
    principal per lifecycle role with an unscoped grant of it (``as-<role>``) and one with
    no grant (``nobody``), each with a token."""

    def __init__(self, folder: Path) -> None:
        self.url = f"sqlite:///{folder / 'fuzz.db'}"
        self.engine = Engine.open(self.url, upgrade=True)
        root = self.engine.bootstrap_admin("root")
        self.root = self.engine.authenticate(root)
        self.engine.load_org(two_districts_with_overlap(), as_of=date(2018, 1, 1),
                             by=self.root)
        self.who = {ADMIN: Who(root, "root", ADMIN)}
        for role in sorted(set(ROLES) - {SYSTEM_ID}):  # no one may be granted the clock
            self.engine.add_user(f"as-{role}", by=self.root)
            self.engine.grant(f"as-{role}", role, by=self.root)
            self.who[role] = Who(self.engine.issue_token(f"as-{role}", by=self.root),
                                 f"as-{role}", role)
        self.engine.add_user("nobody", by=self.root)
        self.who["nobody"] = Who(self.engine.issue_token("nobody", by=self.root),
                                 "nobody", "")
        self.snap = Snapshotter(self.url)
        self.org_file = save_org(two_districts_with_overlap(), folder / "org.yaml")
        self.folder = folder

    def principal(self, role: str) -> Principal:
        token = self.who[role].token
        assert token is not None
        return self.engine.authenticate(token)

    def token_for(self, role: str) -> Who:
        """The fuzzed ``role`` as a token: that role's principal; ``""``: no token;
        ``"forged"``: the admin's token with its secret changed (argon2 refuses it); a
        long junk string: not a token at all; any other role: the grant-less principal."""
        if role == "":
            return Who(None, None, "")
        if role == "forged":
            token = self.who[ADMIN].token
            assert token is not None
            return Who(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
                       None, "")
        if len(role) > 100:
            return Who(role, None, "")
        return self.who.get(role, self.who["nobody"])


@pytest.fixture(scope="module")
def user_store() -> Iterator[UserStore]:
    with tempfile.TemporaryDirectory(prefix="mp-fuzz-users-") as d:
        s = UserStore(Path(d))
        try:
            yield s
        finally:
            s.close()


def run_cli_as(who: Who, args: list[str]) -> tuple[int, str, str]:
    """``run_cli`` with ``who``'s token in MERGEPILOT_TOKEN (restored afterwards: hypothesis
    runs many cases per function-scoped fixture, so no monkeypatch)."""
    saved = os.environ.pop("MERGEPILOT_TOKEN", None)
    if who.token is not None:
        os.environ["MERGEPILOT_TOKEN"] = who.token
    try:
        return run_cli(args)
    finally:
        os.environ.pop("MERGEPILOT_TOKEN", None)
        if saved is not None:
            os.environ["MERGEPILOT_TOKEN"] = saved


#: for the CLI: the lifecycle roles, and what no principal of the store is
cli_roles = mostly(st.sampled_from(sorted(ROLES)),
                   st.sampled_from(["", ADMIN, "BTV", "x" * 300, "forged"]))


def only_refusal_logged(before: dict[str, list[tuple[Any, ...]]],
                        after: dict[str, list[tuple[Any, ...]]]) -> None:
    """One refusal logged (with its ledger entry) and nothing else changed."""
    assert added(before, after).get("refusals") == 1
    rest = [t for t in after if t not in REFUSAL_TABLES]
    assert {t: after[t] for t in rest} == {t: before[t] for t in rest}


def renamed(data: Any, suffix: int | None) -> Any:
    """Give the proposals new ids (so accepted ones do not all collide with the first)."""
    if suffix is None:
        return data
    items = data.get("proposals") if isinstance(data, dict) and "proposals" in data else [data]
    for p in items if isinstance(items, list) else []:
        if isinstance(p, dict) and isinstance(p.get("id"), str):
            p["id"] = f"{p['id']}-{suffix}"
    return data


proposal_data = mostly(st.sampled_from(PROPOSALS).flatmap(lambda p: mutate(p, 2, True)),
                       st.sampled_from(PROPOSALS).flatmap(mutate))
suffixes = st.one_of(st.none(), st.integers(0, 10**9))


# -- propose -----------------------------------------------------------------------------


@settings(max_examples=cases(1000, 80), deadline=None)
@given(data=proposal_data, suffix=suffixes, actor=texts, role=roles)
def test_propose_stores_one_proposal_or_nothing(store: Store, data: Any, suffix: int | None,
                                                actor: str, role: str) -> None:
    before = store.snap()
    try:
        p = proposal_from_data(renamed(data, suffix), "<fuzz>")
        store.engine.propose(p, **as_role(role, actor))
    except MergepilotError as exc:
        event(f"refused: {type(exc).__name__}")
        if isinstance(exc, InvalidProposal):
            assert all(pr.file == "<fuzz>" and pr.message for pr in exc.problems)
        assert store.snap() == before, f"refused ({exc}) but the store changed"
        return
    event("stored")
    assert added(before, store.snap()) == {"proposals": 1, "events": 1}
    assert store.engine.proposal(p.id).state == "proposed"


@settings(max_examples=cases(PROPOSE_CLI_CASES, 60), deadline=None)
@given(data=st.one_of(mutate(PLAN, max_steps=5), mutate(PLAN, max_steps=3, gentle=True),
                      proposal_data),
       suffix=suffixes, role=cli_roles, fmt=st.sampled_from(["yaml", "json"]),
       damage=st.sampled_from(["none", "none", "none", "bytes", "dup_key", "empty"]),
       cut=st.integers(0, 3000), flip=st.integers(0, 3000), byte=st.integers(0, 255))
def test_propose_cli_stores_the_whole_plan_or_nothing(
        user_store: UserStore, data: Any, suffix: int | None, role: str, fmt: str,
        damage: str, cut: int, flip: int, byte: int) -> None:
    who = user_store.token_for(role)
    with tempfile.TemporaryDirectory() as d:
        path = write(renamed(data, suffix), fmt, Path(d), "plan")
        if damage != "none":
            corrupt(path, cut, flip, byte, damage)
        try:
            ids = [p.id for p in load_plan(path).proposals]
        except InvalidProposal as exc:
            check_problems(exc, path)
            ids = None
        before = user_store.snap()
        code, out, err = run_cli_as(who, ["propose", str(path), "--db", user_store.url])
        after = user_store.snap()
    event(f"exit {code}")
    assert "Traceback" not in out + err
    drafter = who.held == "drafting_body"
    if code == 0:
        assert ids is not None and (drafter or not ids), (who, out)
        n = len(ids)
        assert added(before, after) == ({"proposals": n, "events": n} if n else {})
        return
    assert code == 2, (code, out, err)
    assert err.strip()
    if ids is None:  # the file is refused before anyone is asked who they are
        assert str(path) in err
        assert after == before, "refused but the store changed"
    elif who.id is not None and not drafter and ids:
        # refused for want of a drafting_body grant: the first proposal's refusal is logged
        event("refused for want of a grant")
        only_refusal_logged(before, after)
        last = user_store.engine.refusals()[-1]
        assert (last.proposal_id, last.trigger, last.actor, last.role) == (
            ids[0], "propose", who.id, who.held)
    else:  # no token, a bad one, or the drafter's plan refused (a known id...)
        assert after == before, "refused but the store changed"
        if who.id is None:
            assert "token" in err, err


# -- fire --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fire_store() -> Iterator[Store]:
    """A store with every sample proposal proposed, some approved: triggers to fire at."""
    with tempfile.TemporaryDirectory(prefix="mp-fuzz-fire-") as d:
        s = Store(Path(d))
        try:
            for i in range(40):
                data = renamed(dict(PROPOSALS[i % len(PROPOSALS)]), i)
                s.engine.propose(proposal_from_data(data), **as_role("drafting_body", "BTC"))
            yield s
        finally:
            s.close()


def _ids() -> list[str]:
    return [f"{PROPOSALS[i % len(PROPOSALS)]['id']}-{i}" for i in range(40)]


ids = mostly(st.sampled_from(_ids()), st.sampled_from(["", "NOPE", "P-ABS", "x" * 300]))
triggers = mostly(st.sampled_from(TRIGGERS), st.sampled_from(["", "APPROVE", "explode"]))
versions = mostly(st.none(), st.one_of(st.integers(-2, 12), st.just(10**20)))


REFUSAL_TABLES = ("refusals", "refusal_head", "ledger", "ledger_head")


def check_fire(store: Store, before: dict[str, list[tuple[Any, ...]]], pid: str,
               trigger: str, actor: str, role: str, exc: MergepilotError | None) -> None:
    """One event (and what it changes), or nothing -- but a refusal for the role, which
    is logged (and only that)."""
    after = store.snap()
    if exc is not None:
        logged = added(before, after).get("refusals", 0)
        assert logged == (1 if isinstance(exc, TransitionRefused)
                          and isinstance(exc.error, RoleNotAllowed) else 0), exc
        if logged:
            last = store.engine.refusals()[-1]
            assert (last.proposal_id, last.trigger, last.actor, last.role) == (
                pid, trigger, actor or role, role)
        rest = [t for t in after if t not in REFUSAL_TABLES]
        assert {t: after[t] for t in rest} == {t: before[t] for t in rest}, (
            f"refused ({exc}) but the store changed")
        return
    new = added(before, after)
    assert new.pop("events") == 1, new
    assert set(new) <= {"change_records", "org_snapshots", "deadlines"}, new
    assert new.get("change_records", 0) <= 1


@settings(max_examples=cases(1000, 80), deadline=None)
@given(pid=ids, trigger=triggers, actor=texts, role=roles, reason=texts, prm=params,
       version=versions)
def test_fire_writes_one_event_or_nothing(fire_store: Store, pid: str, trigger: str,
                                          actor: str, role: str, reason: str,
                                          prm: dict[str, Any], version: int | None) -> None:
    before = fire_store.snap()
    try:
        fire_store.engine.fire(pid, trigger, **as_role(role, actor), reason=reason,
                               params=prm, expected_version=version)
    except MergepilotError as exc:
        event(f"refused: {type(exc).__name__}")
        if isinstance(exc, TransitionRefused):
            assert exc.proposal_id == pid and exc.trigger == trigger and exc.reason
        check_fire(fire_store, before, pid, trigger, actor, role, exc)
        return
    event(f"fired {trigger}")
    check_fire(fire_store, before, pid, trigger, actor, role, None)


@pytest.fixture(scope="module")
def user_fire_store() -> Iterator[UserStore]:
    """A user's store with every sample proposal proposed by the drafting body's principal,
    for the CLI to fire at."""
    with tempfile.TemporaryDirectory(prefix="mp-fuzz-users-fire-") as d:
        s = UserStore(Path(d))
        try:
            drafter = s.principal("drafting_body")
            with s.engine.batch() as b:
                for i in range(40):
                    data = renamed(dict(PROPOSALS[i % len(PROPOSALS)]), i)
                    b.propose(proposal_from_data(data), by=drafter)
            yield s
        finally:
            s.close()


@settings(max_examples=cases(FIRE_CLI_CASES, 40), deadline=None)
@given(pid=ids, trigger=triggers, role=cli_roles, reason=texts,
       raw=st.lists(st.sampled_from(["outcome=reverted", "outcome=nope", "=", "x",
                                     "agree_share=0.9", "agree_share=[1,", "a=b=c"]),
                    max_size=2))
def test_fire_cli_exits_0_1_or_2_and_writes_one_event_or_nothing(
        user_fire_store: UserStore, pid: str, trigger: str, role: str, reason: str,
        raw: list[str]) -> None:
    store = user_fire_store
    who = store.token_for(role)
    before = store.snap()
    args = ["fire", pid, trigger, "--db", store.url, "--reason", reason]
    for item in raw:
        args += ["--param", item]
    code, out, err = run_cli_as(who, args)
    event(f"exit {code}")
    assert "Traceback" not in out + err
    assert code in (0, 1, 2), (code, out, err)
    if code == 0:
        assert who.id is not None
        check_fire(store, before, pid, trigger, who.id, who.held, None)
        return
    # Which error it was, the CLI says in words; the log says whether it was the role's.
    logged = added(before, store.snap()).get("refusals", 0)
    exc: MergepilotError = MergepilotError(err)
    if logged:
        event("refused for want of a grant")
        assert who.id is not None
        assert code == 2 and "may not fire it" in err, err
        exc = TransitionRefused(pid, "", trigger, (), err,
                                RoleNotAllowed(pid, trigger, who.held, ()))
    elif who.id is None:
        assert code == 2 and "token" in err, err
    check_fire(store, before, pid, trigger, who.id or "", who.held, exc)
    roles = allowed_roles(pid, trigger)
    params_ok = all(k.strip() and sep for k, sep, _ in (i.partition("=") for i in raw))
    if who.id is not None and roles and who.held not in roles and params_ok \
            and len(reason) <= 4000:
        # every refusal for want of a grant is logged, whatever the proposal's state
        assert logged == 1, (who, pid, trigger, err)


def allowed_roles(pid: str, trigger: str) -> tuple[str, ...]:
    """The roles the lifecycle of proposal ``pid`` allows for ``trigger`` (in any state;
    none for an unknown proposal or trigger)."""
    if pid not in _ids():
        return ()
    data = PROPOSALS[_ids().index(pid) % len(PROPOSALS)]
    lc = LIFECYCLES[lifecycle_for(proposal_from_data(dict(data)))]
    spec = lc.triggers.get(trigger)
    return tuple(spec.roles) if spec is not None else ()


# -- org load into the store -------------------------------------------------------------


@settings(max_examples=cases(ORG_LOAD_CLI_CASES, 25), deadline=None)
@given(data=mutated(), fmt=st.sampled_from(["yaml", "json", "csv", "xlsx"]),
       damage=st.sampled_from(["none", "none", "bytes", "empty"]),
       cut=st.integers(0, 3000), flip=st.integers(0, 3000), byte=st.integers(0, 255),
       role=mostly(st.just(ADMIN), cli_roles))
def test_org_load_cli_replaces_the_org_or_changes_nothing(
        user_fire_store: UserStore, data: Any, fmt: str, damage: str, cut: int, flip: int,
        byte: int, role: str) -> None:
    who = user_fire_store.token_for(role)
    with tempfile.TemporaryDirectory() as d:
        path = write_any(data, fmt, Path(d))
        if damage != "none" and path.is_file() and path.suffix != ".xlsx":
            corrupt(path, cut, flip, byte, damage)
        before = user_fire_store.snap()
        code, out, err = run_cli_as(who, ["org", "load", str(path), "--db",
                                          user_fire_store.url])
        after = user_fire_store.snap()
    event(f"exit {code}")
    assert "Traceback" not in out + err
    if code == 0:  # a new baseline: one snapshot more, nothing else added
        assert who.held == ADMIN, who
        assert added(before, after) == {"org_snapshots": 1}
    else:
        assert code == 2, (code, out, err)
        assert after == before, "refused but the store changed"
        if who.held == ADMIN:
            assert str(path) in err or "clock" in err, err
        else:  # who is asked before the file is read
            event("refused: not an admin")
            assert ("not an admin" if who.id else "token") in err, err


# -- simulate ----------------------------------------------------------------------------

SCENARIO: dict[str, Any] = {
    **PLAN, "start": "2018-01-01", "end": "2019-12-31", "baseline_year": 2017,
    "attrition": {"rate": 0.02, "by_year": {2019: 0.01}, "quota": True},
    "events": [
        {"on": "2019-06-01", "proposal": "P-PIL", "trigger": "record_interim_review"},
        {"on": "2019-07-01", "proposal": "P-PIL", "trigger": "terminate",
         "outcome": "reverted", "reason": "kết thúc"},
    ],
}


@settings(max_examples=cases(300, 25), deadline=None)
@given(data=st.one_of(mutate(SCENARIO, max_steps=4), mutate(SCENARIO, max_steps=3,
                                                           gentle=True)),
       fmt=st.sampled_from(["yaml", "json"]),
       damage=st.sampled_from(["none"] * 6 + ["bytes", "dup_key", "empty"]),
       cut=st.integers(0, 3000), flip=st.integers(0, 3000), byte=st.integers(0, 255))
def test_simulate_cli_exits_0_or_2_and_never_touches_the_store(
        store: Store, data: Any, fmt: str, damage: str, cut: int, flip: int,
        byte: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = write(data, fmt, Path(d), "scenario")
        if damage != "none":
            corrupt(path, cut, flip, byte, damage)
        before = store.snap()
        os.environ["MERGEPILOT_DB"] = store.url  # a simulation must never write here
        try:
            code, out, err = run_cli(["simulate", str(path), "--org", str(store.org_file)])
        finally:
            del os.environ["MERGEPILOT_DB"]
        assert store.snap() == before
    event(f"exit {code}")
    assert "Traceback" not in out + err
    assert code in (0, 1, 2), (code, out, err)  # 1: error-level findings (README)
    if code == 2:
        assert err.strip()


def test_simulate_cli_names_a_broken_scenario_file(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_bytes(b"proposals: [\n")
    code, _, err = run_cli(["simulate", str(path), "--org", str(store.org_file)])
    assert code == 2 and str(path) in err


def test_the_sample_scenario_itself_simulates(store: Store, tmp_path: Path) -> None:
    path = write(SCENARIO, "yaml", tmp_path, "scenario")
    code, out, err = run_cli(["simulate", str(path), "--org", str(store.org_file)])
    # 1: its plan has two error-level findings (an absorbed unit named again, refused at
    # approval), which simulate now reports by its exit code
    assert code == 1 and "error-level" in err, err
    assert "2019" in out


def test_propose_cli_with_an_unusable_org_store_is_exit_2(tmp_path: Path) -> None:
    plan = write(PLAN, "yaml", tmp_path, "plan")
    code, _, err = run_cli(["propose", str(plan), "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert code == 2 and "db upgrade" in err
