"""A process applying 10,000 transitions is killed with SIGKILL at random moments.

The batch is a fixed, ordered list of ``FireRequest``s (every one carries the version it
expects the proposal to be at) applied by a worker process in commits of ``CHUNK``
(``Engine.fire_many``: all of a commit or none). The worker is killed (seeded random
moments, mostly inside a commit) several times, and after each kill the store reopened
must be consistent:

- the hash chains verify and the org equals the replay of the event log (engine.audit);
- what was applied is exactly a prefix of the list, ending on a commit boundary (nothing
  half-applied, nothing out of order), at least as long as the worker had reported;
- every applied transition has its event and its org change (and no other exists).

Then the batch is resumed -- the same list again, skipping what the versions show done --
and the final store must equal, record for record, an uninterrupted run's. SQLite file
and PostgreSQL (a fresh schema) alike.

Run ``python tests/test_crash_recovery.py URL START`` to be the worker by hand.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from actors import as_role
from orgs import two_districts_with_overlap  # as a worker script too: tests/ is on sys.path

from mergepilot.engine import ConcurrentTransition, Engine, FireRequest
from mergepilot.engine.audit import replay, verify
from mergepilot.orgchart import Finding, Org, OrgGraph, Unit
from mergepilot.workflows import Proposal, proposal_from_data

PG_URL = os.environ.get("MERGEPILOT_TEST_PG_URL")
UNITS = 1000  # one merger and one pilot on each: 2,000 proposals, 5 transitions each
CHUNK = 500  # transitions per commit
KILLS = 6  # kills per backend
SEED = 20181120
AS_OF = date(2018, 1, 1)
BTV = as_role("standing_committee", "Ban Thường vụ Tỉnh ủy")
DRAFTER = as_role("drafting_body", "Ban Tổ chức Tỉnh ủy")
CLOCK = as_role("system", "clock")


def no_findings(_g: OrgGraph, _p: Proposal, _pol: Any) -> list[Finding]:
    return []


def org() -> Org:
    """The small province plus UNITS commune offices to change."""
    base = two_districts_with_overlap()
    extra = [Unit(id=f"U{i:04d}", name=f"Văn phòng xã {i}", bloc="state", level="commune",
                  territory="C1" if i % 2 else "C2", staff_quota=10, staff_actual=10,
                  deputies=2, divisions=3) for i in range(UNITS)]
    return base.model_copy(update={"units": [*base.units, *extra]}).normalized()


def proposals() -> list[Proposal]:
    out = []
    for i in range(UNITS):
        out.append(proposal_from_data({
            "id": f"PIL-{i:04d}", "kind": "internal_rearrangement", "units": [f"U{i:04d}"],
            "divisions_after": 1, "effective": "2018-03-01",
            "pilot": {"places": ["C1" if i % 2 else "C2"], "duration_months": 12,
                      "start": "2018-03-01", "model": "one_division"}}))
        out.append(proposal_from_data({
            "id": f"MER-{i:04d}", "kind": "internal_rearrangement", "units": [f"U{i:04d}"],
            "staff_quota_after": 8, "deputies_after": 1, "effective": "2018-06-01"}))
    return out


def plan() -> list[FireRequest]:
    """The 10,000 transitions, in order: every pilot runs and is unwound, then every
    merger is revised, approved, put in force and closed (on the same units)."""
    out: list[FireRequest] = []
    for i in range(UNITS):
        pid = f"PIL-{i:04d}"
        steps: list[tuple[str, dict[str, str], str, dict[str, Any]]] = [
            ("approve", BTV, "", {}), ("start", CLOCK, "", {}),
            ("record_interim_review", BTV, "sơ kết", {}),
            ("record_final_review", BTV, "tổng kết", {}),
            ("terminate", BTV, "kết thúc thí điểm", {"outcome": "reverted"})]
        out += [FireRequest(pid, t, reason=r, params=p, expected_version=v + 1, **who)
                for v, (t, who, r, p) in enumerate(steps)]
    for i in range(UNITS):
        pid = f"MER-{i:04d}"
        steps = [("return_for_revision", BTV, "bổ sung", {}), ("submit", DRAFTER, "", {}),
                 ("approve", BTV, "", {}), ("start", CLOCK, "", {}),
                 ("terminate", BTV, "", {})]
        out += [FireRequest(pid, t, reason=r, params=p, expected_version=v + 1, **who)
                for v, (t, who, r, p) in enumerate(steps)]
    return out


def changes_of(req: FireRequest) -> int:
    """Org changes a transition makes: start applies, a reverted pilot is undone."""
    return int(req.trigger == "start" or req.params.get("outcome") == "reverted")


def setup(url: str) -> None:
    with Engine.open(url, upgrade=True, validator=no_findings, trust="simulation") as eng:
        eng.load_org(org(), as_of=AS_OF)
        with eng.batch() as b:
            for p in proposals():
                b.propose(p, **DRAFTER)


def done_prefix(eng: Engine, requests: list[FireRequest]) -> int:
    """How many requests are applied; fails unless they are exactly a prefix."""
    versions = {p.id: p.version for p in eng.proposals()}
    done = [versions[r.id] > (r.expected_version or 0) for r in requests]
    m = done.index(False) if False in done else len(done)
    assert not any(done[m:]), f"applied out of order after request {m}"
    return m


def resume(url: str, say: Any = print) -> None:
    """Apply whatever of the plan is not applied yet, CHUNK transitions per commit."""
    requests = plan()
    with Engine.open(url, validator=no_findings, trust="simulation") as eng:
        m = done_prefix(eng, requests)
        say(f"start {m}")
        for k in range(m, len(requests), CHUNK):
            # Each request still says the version it was planned against: a resume that
            # misjudged what is done fails whole with ConcurrentTransition.
            eng.fire_many(requests[k:k + CHUNK])
            say(f"committed {min(k + CHUNK, len(requests))}")


def fingerprint(url: str) -> dict[str, Any]:
    """Everything an uninterrupted run decides, without wall-clock times and hashes."""
    with Engine.open(url, validator=no_findings, trust="simulation") as eng:
        events = [(e.proposal_id, e.seq, e.trigger, e.source, e.dest, e.actor, e.role,
                   e.reason, dict(e.params), e.effect, e.on)
                  for e in eng.store.events()]
        return {
            "proposals": [(p.id, p.state, p.version, dict(p.data))
                          for p in eng.proposals()],
            "events": sorted(events, key=lambda e: (e[0], e[1])),
            "changes": [(c.proposal_id, c.event_seq, c.kind, dict(c.record))
                        for c in eng.store.changes()],
            "deadlines": [(d.proposal_id, d.kind, d.due_on, d.status)
                          for d in eng.deadlines()],
            "org": eng.org().to_org(),
        }


# -- the databases -------------------------------------------------------------------------



@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The end state of an uninterrupted run (in this process, on SQLite)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('reference') / 'ref.db'}"
    setup(url)
    resume(url, say=lambda _line: None)
    return fingerprint(url)


# -- the worker, killed ----------------------------------------------------------------------


class Worker:
    """``resume`` in a child process; its progress lines are read as they come."""

    def __init__(self, url: str, log: Path) -> None:
        self.log = log
        with log.open("w") as err:  # a file, not a pipe: nothing to drain or leak
            self.proc = subprocess.Popen([sys.executable, __file__, url],
                                         stdout=subprocess.PIPE, stderr=err, text=True)
        self.lines: list[tuple[float, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.strip()))

    def wait_for(self, n_lines: int, timeout: float = 120) -> bool:
        """Wait until ``n_lines`` progress lines came; False if the worker ended first."""
        end = time.monotonic() + timeout
        while len(self.lines) < n_lines:
            if self.proc.poll() is not None:
                self._reader.join(timeout=5)
                return len(self.lines) >= n_lines
            assert time.monotonic() < end, "worker is stuck"
            time.sleep(0.005)
        return True

    def _close(self) -> None:
        self._reader.join(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    @property
    def stderr(self) -> str:
        return self.log.read_text()

    def kill(self) -> bool:
        """SIGKILL; True if the worker was still running."""
        alive = self.proc.poll() is None
        if alive:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._close()
        return alive

    def finish(self) -> None:
        code = self.proc.wait(timeout=300)
        self._close()
        assert code == 0, self.stderr

    @property
    def reported(self) -> int:
        """Requests the worker said were committed (its start point before any commit)."""
        last = [int(text.split()[1]) for _, text in self.lines]
        return last[-1] if last else -1


def check_consistent(url: str, requests: list[FireRequest], start: int,
                     reported: int) -> int:
    """The store after a kill: returns how many requests are applied."""
    with Engine.open(url, validator=no_findings, trust="simulation") as eng:
        m = done_prefix(eng, requests)
        assert m >= reported, f"{reported} reported committed, only {m} in the store"
        assert m == len(requests) or (m - start) % CHUNK == 0, (
            f"{m} applied: not a commit boundary after {start}")
        assert m <= max(reported, start) + CHUNK
        n_events = eng.store.count("events")
        assert n_events == 2 * UNITS + m  # a propose event each, then one per transition
        assert eng.store.count("change_records") == sum(changes_of(r) for r in requests[:m])
        audit = verify(eng)
        assert audit.ok, audit.broken[:3]
        rep = replay(eng)
        assert rep.ok, rep.differences[:3]
    return m


@pytest.mark.slow
def test_killed_batches_leave_a_consistent_store_and_resume_to_the_same_end(
        db_url: str, reference: dict[str, Any], tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    requests = plan()
    assert len(requests) == 10_000
    setup(db_url)
    rng = random.Random(f"{SEED}:{db_url.split(':')[0]}")
    commits = -(-len(requests) // CHUNK)
    applied, kills, mid_commit = 0, 0, 0
    batch_time = 0.5
    while kills < KILLS:
        w = Worker(db_url, log)
        assert w.wait_for(1), w.stderr
        start = int(w.lines[0][1].split()[1])
        assert start == applied
        left = -(-(len(requests) - start) // CHUNK)
        # Kill after a random number of this run's commits, a random moment into the next:
        # spread over the run, and most often inside a commit.
        after = rng.randrange(0, max(1, min(left - 1, commits // KILLS)))
        if not w.wait_for(2 + after):
            w.finish()
            break
        t0 = w.lines[-1][0]
        if len(w.lines) >= 3:
            batch_time = max(0.05, w.lines[-1][0] - w.lines[-2][0])
        time.sleep(max(0.0, t0 + rng.uniform(0.0, 1.2 * batch_time) - time.monotonic()))
        reported = w.reported
        if not w.kill():
            break  # it finished first: nothing left to kill
        kills += 1
        applied = check_consistent(db_url, requests, start, max(reported, start))
        mid_commit += applied == max(reported, start)
    # Resume to the end, and compare with the run that was never interrupted.
    w = Worker(db_url, log)
    w.finish()
    final = check_consistent(db_url, requests, applied, len(requests))
    assert final == len(requests)
    assert kills == KILLS, f"only {kills} kills landed before the batch ended"
    got = fingerprint(db_url)
    for key in ("proposals", "events", "changes", "deadlines", "org"):
        assert got[key] == reference[key], f"{key} differs from the uninterrupted run"
    print(f"\n{db_url.split(':')[0]}: {kills} kills survived ({mid_commit} with a commit "
          f"in flight, rolled back), {len(requests)} transitions, 0 mismatches")


def test_a_resumed_commit_checks_the_versions_it_was_planned_against(tmp_path: Path) -> None:
    """Several requests on one proposal in one commit each expect the version the one
    before left; replaying a commit that is already applied fails whole."""
    url = f"sqlite:///{tmp_path / 'versions.db'}"
    setup(url)
    requests = plan()[:10]  # two pilots, all five steps of each
    with Engine.open(url, validator=no_findings, trust="simulation") as eng:
        eng.fire_many(requests)
        assert eng.proposal("PIL-0001").state == "terminated"
        events = eng.store.count("events")
        with pytest.raises(ConcurrentTransition) as exc:
            eng.fire_many(requests)
        assert (exc.value.proposal_id, exc.value.expected_version) == ("PIL-0000", 1)
        assert eng.store.count("events") == events
        assert done_prefix(eng, plan()) == 10


def main() -> None:
    def say(line: str) -> None:
        print(line, flush=True)

    resume(sys.argv[1], say=say)


if __name__ == "__main__":
    main()
