"""The audit: is the event log intact, and does it explain the org in the store?

Two independent checks, both read-only:

:func:`verify`
    walks the hash chain of every proposal (each event stores the hash of the previous
    one and the sha256 of its own content, see :func:`~mergepilot.engine.store.event_hash`)
    and the proposal row that closes it (``last_hash``, ``version``, ``state``, and the
    payload against the digest its ``propose`` event recorded), then the
    chain of refused triggers. It reports, per chain, the *first* broken link: which
    proposal, which event ``seq`` and what differs. An edit made straight in the database
    (even with the append-only triggers dropped) breaks a hash; a deleted or inserted
    event breaks a ``prev_hash`` or the sequence.

:func:`replay`
    rebuilds the org from the baseline (the last org *loaded*) by re-applying, in order,
    the change of every event that changed the org -- recomputed from the proposal, not
    copied from the stored change record -- and compares the result with the stored
    change records, the periodic snapshots and the stored current org, listing every
    difference. It also checks that every change record has its event and every event
    that changes the org has its change record.

A store that passes both has lost and invented nothing since its org was loaded.

Why one long module (~600 lines): verify and replay are the two halves of one audit and
share its reports; verify walks three chains (per proposal, refusals, the store-wide
ledger) and the row check, replay re-runs the log.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mergepilot.orgchart import ChangeRecord, MergepilotError, Org, OrgGraph
from mergepilot.workflows import Effect, Proposal, apply_proposal

from .engine import Engine
from .store import (
    GENESIS_HASH,
    Event,
    Refusal,
    Store,
    canonical_json,
    event_hash,
    payload_digest,
)
from .store.ledger import DEFAULT_ITEMS, HMAC_ALG, PLAIN_ALG, anchor_mac, entry_hash, key_id

__all__ = [
    "LEDGER",
    "REFUSAL_LOG",
    "STATE",
    "AuditReport",
    "BrokenLink",
    "Difference",
    "ReplayReport",
    "anchor",
    "org_differences",
    "replay",
    "verify",
]

#: the ``proposal_id`` of a :class:`BrokenLink` in the log of refused triggers
REFUSAL_LOG = "<refusals>"
#: the ``proposal_id`` of a :class:`BrokenLink` in the store-wide ledger
LEDGER = "<ledger>"
#: the ``proposal_id`` of a :class:`BrokenLink` where a row differs from what the ledger
#: says it must be (``field`` is ``table/part``, ``seq`` None, the key in the message)
STATE = "<state>"
_APPLY = Effect.APPLY_CHANGE.value
_REVERT = Effect.REVERT_CHANGE.value


def _store(target: Engine | Store | str, key: bytes | None = None) -> tuple[Store, bool]:
    """The store of ``target`` and whether we opened it (and so must close it)."""
    if isinstance(target, Engine):
        return target.store, False
    if isinstance(target, Store):
        return target, False
    store = Store(target, audit_key=key)
    try:
        store.require_current()
    except BaseException:
        store.close()
        raise
    return store, True


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else canonical_json(value)
    return text if len(text) <= 80 else text[:77] + "..."


# -- verify ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    """The first place where a chain does not hold.

    ``proposal_id`` is the proposal whose chain broke (``"<refusals>"`` for the log of
    refused triggers); ``seq`` the event (or refusal) at which it broke, ``None`` when it is
    the proposal row that disagrees with its events; ``field`` what differs (``hash``: the
    content was changed after it was written; ``prev_hash``: an entry before it was changed,
    removed or inserted; ``seq``: entries missing or out of order; ``last_hash``,
    ``version``, ``state``: the proposal row does not match its last event; ``payload``:
    the stored payload is not the one whose digest the ``propose`` event recorded);
    ``expected`` what the chain says, ``found`` what is stored.
    """

    proposal_id: str
    seq: int | None
    field: str
    expected: str
    found: str
    message: str

    def __str__(self) -> str:
        if self.proposal_id == REFUSAL_LOG:
            where = "refusal log" + (f" #{self.seq}" if self.seq is not None else " head")
        else:
            at = f" event #{self.seq}" if self.seq is not None else ""
            where = f"proposal {self.proposal_id!r}{at}"
        return (f"{where}: {self.message} "
                f"(field {self.field}: expected {_short(self.expected)}, "
                f"found {_short(self.found)})")

    def to_json(self) -> dict[str, Any]:
        return {"proposal_id": self.proposal_id, "seq": self.seq, "field": self.field,
                "expected": self.expected, "found": self.found, "message": self.message}


@dataclass(frozen=True)
class AuditReport:
    """What :func:`verify` found: counts, and the first broken link of each broken chain."""

    proposals: int
    events: int
    refusals: int
    broken: tuple[BrokenLink, ...] = ()
    #: entries in the store-wide ledger
    ledger: int = 0
    #: the ledger is keyed (HMAC-SHA256); ``key_checked``: and its MACs were checked
    keyed: bool = False
    key_checked: bool = False
    #: an anchor was given and the ledger still holds it unchanged
    anchored: bool = False

    @property
    def ok(self) -> bool:
        return not self.broken

    @property
    def first(self) -> BrokenLink | None:
        """The first broken link (of the first broken chain, in proposal id order)."""
        return self.broken[0] if self.broken else None

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "proposals": self.proposals, "events": self.events,
                "refusals": self.refusals, "ledger": self.ledger, "keyed": self.keyed,
                "key_checked": self.key_checked, "anchored": self.anchored,
                "broken": [b.to_json() for b in self.broken]}

    @property
    def keying(self) -> str:
        """In words: whether the chain is keyed and whether the key was checked."""
        if not self.keyed:
            return "unkeyed chain (sha256: an edit is found unless the editor recomputes it)"
        if self.key_checked:
            return "keyed chain, MACs checked"
        return "keyed chain, MACs NOT checked (give MERGEPILOT_AUDIT_KEY or --key-file)"


def _check_payload(pid: str, events: Sequence[Event],
                   payload: Mapping[str, Any]) -> BrokenLink | None:
    """The payload stored against the digest its ``propose`` event recorded (stores
    written before the digest was recorded have none to check)."""
    recorded = events[0].params.get("payload_sha256") if events else None
    if recorded is None:
        return None
    found = payload_digest(payload)
    if found == recorded:
        return None
    return BrokenLink(pid, None, "payload", str(recorded), found,
                      "the proposal's payload is not the one proposed (its sha256 differs "
                      "from the one its propose event recorded)")


def _walk(pid: str, events: Sequence[Event]) -> tuple[BrokenLink | None, str, int, str | None]:
    """Check one proposal's events in the order written.

    Returns the first broken link (or None) and the chain's last hash, seq and state.
    """
    prev, seq, state = GENESIS_HASH, 0, None
    for ev in events:
        if ev.seq != seq + 1:
            return (BrokenLink(pid, ev.seq, "seq", str(seq + 1), str(ev.seq),
                               "events missing or out of order before this one"),
                    prev, seq, state)
        if ev.prev_hash != prev:
            return (BrokenLink(pid, ev.seq, "prev_hash", prev, ev.prev_hash,
                               "does not follow the event before it (an earlier event was "
                               "changed, removed or inserted)"), prev, seq, state)
        recomputed = event_hash(ev.prev_hash, ev.body())
        if recomputed != ev.hash:
            return (BrokenLink(pid, ev.seq, "hash", recomputed, ev.hash,
                               "content does not match its hash (changed after it was "
                               "written)"), prev, seq, state)
        if ev.source != state:
            return (BrokenLink(pid, ev.seq, "source", str(state), str(ev.source),
                               "does not start from the state the event before it left"),
                    prev, seq, state)
        prev, seq, state = ev.hash, ev.seq, ev.dest
    return None, prev, seq, state


def verify(target: Engine | Store | str, *, key: bytes | None = None,
           anchor: Mapping[str, Any] | None = None) -> AuditReport:
    """Check every proposal's hash chain, the chain of refused triggers, the store-wide
    ledger and that every tracked row is what the ledger says it must be.

    ``target`` is an engine, a store, or a database URL. ``key`` is the audit key (default:
    the store's own, from ``MERGEPILOT_AUDIT_KEY`` when it was opened); with it, every
    ledger entry must carry a valid HMAC, so a history recomputed with plain sha256 fails.
    ``anchor`` is what :func:`anchor` gave earlier: the ledger must still hold that entry
    unchanged. Nothing is written.
    """
    store, opened = _store(target, key)
    if key is None:
        key = store.audit_key
    try:
        proposals = store.proposals()
        events = store.events()
        refusals = _refusals(store)
        ledger = store.ledger()
        head = store.ledger_head()
        actual = store.row_items()
    finally:
        if opened:
            store.close()
    by_proposal: dict[str, list[Event]] = {p.id: [] for p in proposals}
    for ev in events:
        by_proposal.setdefault(ev.proposal_id, []).append(ev)
    rows = {p.id: p for p in proposals}
    broken: list[BrokenLink] = []
    for pid in sorted(by_proposal):
        link, last_hash, last_seq, state = _walk(pid, by_proposal[pid])
        row = rows.get(pid)
        if link is None and row is None:  # the foreign key forbids it; say so anyway
            link = BrokenLink(pid, None, "proposal", "a proposal row", "none",
                              "events of a proposal that is not in the store")
        if link is None and row is not None:
            if row.last_hash != last_hash:
                link = BrokenLink(pid, None, "last_hash", last_hash, row.last_hash,
                                  "the proposal row does not close its chain (its last "
                                  "event was removed, or the row was changed)")
            elif row.version != last_seq:
                link = BrokenLink(pid, None, "version", str(last_seq), str(row.version),
                                  "the proposal's version is not its number of events")
            elif row.state != state:
                link = BrokenLink(pid, None, "state", str(state), row.state,
                                  "the proposal's state is not where its events left it")
            else:
                link = _check_payload(pid, by_proposal[pid], row.payload)
        if link is not None:
            broken.append(link)
    refusal_link = _walk_refusals(refusals)
    if refusal_link is not None:
        broken.append(refusal_link)
    keyed = bool(head.key_id) or any(e.mac == HMAC_ALG for e in ledger)
    expected, ledger_links, anchored = _walk_ledger(ledger, head, key, anchor)
    broken.extend(ledger_links)
    if not ledger_links:  # a broken ledger says nothing reliable of what rows must hold
        broken.extend(_state_links(expected, actual))
    return AuditReport(len(proposals), len(events), len(refusals[0]), tuple(broken),
                       ledger=len(ledger), keyed=keyed or key is not None,
                       key_checked=key is not None, anchored=anchored)


def anchor(target: Engine | Store | str, *, key: bytes | None = None) -> dict[str, Any]:
    """The ledger's head as an anchor to keep outside the database: ``count``, ``head``
    (the last entry's hash) and ``mac`` (HMAC of both under the key; None unkeyed).
    :func:`verify` with ``anchor=`` proves that nothing up to it was changed or removed."""
    store, opened = _store(target, key)
    if key is None:
        key = store.audit_key
    try:
        head = store.ledger_head()
    finally:
        if opened:
            store.close()
    return {"count": head.count, "head": head.last_hash,
            "mac": anchor_mac(key, head.count, head.last_hash)}


_Key = tuple[str, str, str]


def _walk_ledger(ledger: Sequence[Any], head: Any, key: bytes | None,
                 anchor: Mapping[str, Any] | None
                 ) -> tuple[dict[_Key, str], list[BrokenLink], bool]:
    """Walk the ledger: its links (and MACs, with the key), its head, the anchor; fold the
    items into the digest every row part must have now."""
    links: list[BrokenLink] = []
    expected: dict[_Key, str] = {(t, k, p): d for t, k, p, d in DEFAULT_ITEMS if d}
    prev, seq = GENESIS_HASH, 0
    by_seq: dict[int, str] = {}
    for e in ledger:
        if e.seq != seq + 1:
            links.append(BrokenLink(LEDGER, e.seq, "seq", str(seq + 1), str(e.seq),
                                    "ledger entries missing or out of order before this one"))
            break
        if e.prev_hash != prev:
            links.append(BrokenLink(LEDGER, e.seq, "prev_hash", prev, e.prev_hash,
                                    "does not follow the entry before it"))
            break
        if key is not None and e.mac != HMAC_ALG:
            links.append(BrokenLink(LEDGER, e.seq, "mac", HMAC_ALG, e.mac,
                                    "the store is keyed but this entry is not: the history "
                                    "was rewritten without the key"))
            break
        if e.mac == PLAIN_ALG or key is not None:
            recomputed = entry_hash(e.prev_hash, e.body, key)
            if not hmac.compare_digest(recomputed, e.hash):
                links.append(BrokenLink(LEDGER, e.seq, "hash", recomputed, e.hash,
                                        "content does not match its hash" + (
                                            " (HMAC under the given key)" if key else "")))
                break
        elif e.mac != HMAC_ALG:
            links.append(BrokenLink(LEDGER, e.seq, "mac", "sha256 or hmac-sha256", e.mac,
                                    "unknown link algorithm"))
            break
        try:
            body = json.loads(e.body)
            items = body["items"]
            if body.get("seq") != e.seq:
                raise ValueError("seq")
        except (ValueError, KeyError, TypeError):
            links.append(BrokenLink(LEDGER, e.seq, "body", "a ledger entry", e.body[:80],
                                    "the entry cannot be read"))
            break
        if body.get("note", {}).get("adopt"):
            expected = {}
        for t, k, p, d in items:
            if d is None:
                expected.pop((t, k, p), None)
            else:
                expected[(t, k, p)] = d
        prev, seq = e.hash, e.seq
        by_seq[e.seq] = e.hash
    else:
        if (head.count, head.last_hash) != (seq, prev):
            links.append(BrokenLink(LEDGER, None, "last_hash", f"{seq} {prev}",
                                    f"{head.count} {head.last_hash}",
                                    "the ledger head does not close the ledger (its last "
                                    "entries were removed, or the head was changed)"))
        if key is not None and seq and head.key_id != key_id(key):
            links.append(BrokenLink(LEDGER, None, "key_id", key_id(key), head.key_id,
                                    "the ledger was not written with this key"))
    anchored = False
    if anchor is not None:
        count, digest = int(anchor.get("count", -1)), str(anchor.get("head", ""))
        mac = anchor.get("mac")
        if mac is not None and key is not None and not hmac.compare_digest(
                str(mac), anchor_mac(key, count, digest) or ""):
            links.append(BrokenLink(LEDGER, count, "anchor", "an anchor signed by the key",
                                    str(mac), "the anchor's MAC is wrong: it was not made "
                                    "with this key"))
        elif count == 0 and digest == GENESIS_HASH:
            anchored = True
        elif by_seq.get(count) != digest:
            links.append(BrokenLink(LEDGER, count, "anchor", digest,
                                    str(by_seq.get(count, "none")),
                                    "the ledger no longer holds the anchored entry: history "
                                    "up to the anchor was changed or removed"))
        else:
            anchored = True
    return expected, links, anchored


def _state_links(expected: Mapping[_Key, str], actual: Sequence[Any]) -> list[BrokenLink]:
    """Every row part that is not what the ledger says it must be."""
    found = {(t, k, p): d for t, k, p, d in actual}
    out: list[BrokenLink] = []
    for ident in sorted(expected.keys() | found.keys()):
        want, have = expected.get(ident), found.get(ident)
        if want == have:
            continue
        table, key, part = ident
        what = ("was deleted" if have is None else
                "is not in the ledger (inserted behind the engine's back)" if want is None
                else "was changed behind the engine's back")
        out.append(BrokenLink(STATE, None, f"{table}/{part}", str(want), str(have),
                              f"row {key} of {table} ({part}) {what}"))
    return out


# The log of refused triggers is one chain: (its entries, the head's (count, last hash)).
_Refusals = tuple[list[Refusal], tuple[int, str]]


def _refusals(store: Store) -> _Refusals:
    return store.refusals(), store.refusal_head()


def _walk_refusals(refusals: _Refusals) -> BrokenLink | None:
    entries, head = refusals
    who = REFUSAL_LOG
    prev, seq = GENESIS_HASH, 0
    for r in entries:
        n, prev_hash, body, digest = r.seq, r.prev_hash, r.body(), r.hash
        if n != seq + 1:
            return BrokenLink(who, n, "seq", str(seq + 1), str(n),
                              "refusals missing or out of order before this one")
        if prev_hash != prev:
            return BrokenLink(who, n, "prev_hash", prev, prev_hash,
                              "does not follow the refusal before it")
        recomputed = event_hash(prev_hash, body)
        if recomputed != digest:
            return BrokenLink(who, n, "hash", recomputed, digest,
                              "content does not match its hash (changed after it was "
                              "written)")
        prev, seq = digest, n
    if head != (seq, prev):
        return BrokenLink(who, None, "last_hash", f"{seq} {prev}", f"{head[0]} {head[1]}",
                          "the head of the refusal log does not close its chain (the last "
                          "refusals were removed, or the head was changed)")
    return None


# -- replay ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One way in which the stored org, or the stored changes, disagree with the replay.

    ``kind`` is a record kind (``unit``, ``territory``, ``assignment``, ...) for the org,
    or ``change``, ``event``, ``snapshot`` for the log itself; ``key`` names the record
    (or change seq, or ``proposal#seq``); ``stored`` and ``replayed`` are the two values
    (None where one side has nothing).
    """

    kind: str
    key: str
    message: str
    stored: Any = None
    replayed: Any = None

    def __str__(self) -> str:
        return f"{self.kind} {self.key}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "message": self.message,
                "stored": self.stored, "replayed": self.replayed}


@dataclass(frozen=True)
class ReplayReport:
    """What :func:`replay` found; ``ok`` when the replay explains the stored org exactly."""

    baseline_on: date | None
    changes: int
    snapshots_checked: int
    differences: tuple[Difference, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.differences

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok,
                "baseline_on": None if self.baseline_on is None else self.baseline_on.isoformat(),
                "changes": self.changes, "snapshots_checked": self.snapshots_checked,
                "differences": [d.to_json() for d in self.differences]}


_TABLES: tuple[tuple[str, str], ...] = (
    ("territory", "territories"), ("regulation", "regulations"), ("function", "functions"),
    ("unit", "units"), ("assignment", "assignments"), ("person", "persons"), ("post", "posts"))


def _key(kind: str, rec: Mapping[str, Any]) -> str:
    if kind == "assignment":
        return f"{rec.get('unit')}/{rec.get('function')}"
    return str(rec.get("code") if kind == "function" else rec.get("id"))


def org_differences(stored: Org, replayed: Org) -> list[Difference]:
    """Record by record, where two orgs differ (empty when they are equal)."""
    a, b = stored.model_dump(mode="json"), replayed.model_dump(mode="json")
    out: list[Difference] = []
    for attr in ("name", "as_of"):
        if a[attr] != b[attr]:
            out.append(Difference("org", attr, "differs", a[attr], b[attr]))
    for kind, table in _TABLES:
        left = {_key(kind, r): r for r in a[table]}
        right = {_key(kind, r): r for r in b[table]}
        for k in sorted(left.keys() | right.keys()):
            x, y = left.get(k), right.get(k)
            if x == y:
                continue
            msg = ("only in the stored org" if y is None else
                   "missing from the stored org" if x is None else
                   "differs: " + ", ".join(sorted(f for f in x.keys() | y.keys()
                                                  if x.get(f) != y.get(f))))
            out.append(Difference(kind, k, msg, x, y))
    return out


def _graph(bundle: Mapping[str, Any]) -> OrgGraph:
    return OrgGraph(Org.model_validate(dict(bundle)), check=False)


def replay(target: Engine | Store | str) -> ReplayReport:
    """Rebuild the org from the last loaded baseline and the event log; compare.

    Each event that changed the org (effect ``apply_change`` / ``revert_change``) is
    replayed in the order written: an apply re-runs the proposal's change on the replayed
    org, a revert undoes the proposal's last apply. The recomputed change must equal the
    stored change record, the replayed org must equal every periodic snapshot taken on
    the way, and the end result must equal the stored current org (latest snapshot plus
    the changes after it). Nothing is written.
    """
    store, opened = _store(target)
    try:
        snapshots = store.snapshots()
        changes = store.changes()
        events = [e for e in store.events() if e.effect in (_APPLY, _REVERT)]
        payloads = {p.id: p.payload for p in store.proposals()}
    finally:
        if opened:
            store.close()
    loads = [s for s in snapshots if s.reason == "load"]
    if not loads:
        return ReplayReport(None, 0, 0, (Difference(
            "snapshot", "baseline", "no org was ever loaded: nothing to replay"),))
    base = loads[-1]
    diffs: list[Difference] = []

    # Every change has its event, and every event that changes the org has its change.
    by_event = {(e.proposal_id, e.seq): e for e in events}
    by_change = {(c.proposal_id, c.event_seq): c for c in changes}
    for c in changes:
        ev = by_event.get((c.proposal_id, c.event_seq))
        want = _APPLY if c.kind == "apply" else _REVERT
        if ev is None or ev.effect != want:
            diffs.append(Difference(
                "change", str(c.seq), f"change record ({c.kind}) of {c.proposal_id}#"
                f"{c.event_seq} has no event with effect {want}", c.kind,
                None if ev is None else ev.effect))
    for e in events:
        if (e.proposal_id, e.seq) not in by_change:
            diffs.append(Difference(
                "event", f"{e.proposal_id}#{e.seq}",
                f"event {e.trigger!r} (effect {e.effect}) has no change record", None,
                e.effect))

    graph = _graph(base.bundle)
    periodic = {s.change_seq: s for s in snapshots
                if s.id > base.id and s.reason != "load"}
    applied: dict[str, ChangeRecord] = {}
    for c in changes:
        if c.seq > base.change_seq:
            break
        if c.kind == "apply":  # before the baseline: what a later revert would undo
            applied[c.proposal_id] = ChangeRecord.from_json(dict(c.record))
    done = checked = 0
    for c in changes:
        if c.seq <= base.change_seq:
            continue
        done += 1
        try:
            if c.kind == "apply":
                payload = payloads.get(c.proposal_id)
                if payload is None:
                    raise MergepilotError(f"proposal {c.proposal_id!r} is not in the store")
                record = apply_proposal(graph, Proposal.model_validate(dict(payload)))
                applied[c.proposal_id] = record
            else:
                last = applied.pop(c.proposal_id, None)
                if last is None:
                    raise MergepilotError(f"proposal {c.proposal_id!r} has no change in "
                                          "force to revert")
                record = graph.undo(last)
        except (MergepilotError, ValueError) as exc:
            diffs.append(Difference("change", str(c.seq), f"cannot replay the {c.kind} of "
                                    f"{c.proposal_id}: {exc}", dict(c.record), None))
            # Go on with the stored record, so one bad step does not hide the others.
            with suppress(MergepilotError):
                graph.apply(ChangeRecord.from_json(dict(c.record)))
        else:
            replayed_json = record.to_json()
            if canonical_json(replayed_json) != canonical_json(c.record):
                diffs.append(Difference("change", str(c.seq), f"the stored {c.kind} of "
                                        f"{c.proposal_id} is not what replaying it gives",
                                        dict(c.record), replayed_json))
        snap = periodic.get(c.seq)
        if snap is not None:
            checked += 1
            for d in org_differences(Org.model_validate(dict(snap.bundle)), graph.to_org()):
                diffs.append(Difference("snapshot", f"{snap.id}:{d.kind}:{d.key}",
                                        f"snapshot {snap.id} (after change {c.seq}): "
                                        f"{d.message}", d.stored, d.replayed))

    # The stored current org: what Engine.org() serves, built from the store alone.
    latest = snapshots[-1]
    stored = _graph(latest.bundle)
    for c in changes:
        if c.seq > latest.change_seq:
            try:
                stored.apply(ChangeRecord.from_json(dict(c.record)))
            except MergepilotError as exc:
                diffs.append(Difference("change", str(c.seq), "the stored change cannot be "
                                        f"applied to the stored org: {exc}"))
    diffs.extend(org_differences(stored.to_org(), graph.to_org()))
    return ReplayReport(base.taken_on, done, checked, tuple(diffs))
