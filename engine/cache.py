"""What an engine keeps in memory between transactions: the current org graph and the
stored proposals it has parsed.

Both are caches of the store, never a second truth: the org graph is kept under the org
version it was built at and rebuilt (latest snapshot + the change records after it) when
another writer moved the org on; a stored payload never changes, so a parsed proposal is
good for as long as it is kept. :class:`~mergepilot.engine.Batch` changes the cached graph
in place and takes its changes back out if it fails.
"""

from __future__ import annotations

from mergepilot.orgchart import ChangeRecord, Org, OrgGraph
from mergepilot.workflows import Proposal

from .errors import EngineError, UnknownProposal
from .store import Store
from .store.records import OrgHead

__all__ = ["EngineCache"]

#: how many parsed proposals a cache keeps before it starts again (a bound on memory)
PARSED_KEPT = 100_000


class EngineCache:
    """The org graph at the store's current org version, and parsed proposals by id."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._org: tuple[int, OrgGraph] | None = None
        self._proposals: dict[str, Proposal] = {}

    # -- the org ----------------------------------------------------------------------

    def current_org(self) -> tuple[OrgHead, OrgGraph]:
        """The org head and the current graph (the cached one: read it, never change it)."""
        head = self._store.org_head()
        cached = self._org
        if cached is not None and cached[0] == head.version:
            return head, cached[1]
        snap = self._store.latest_snapshot()
        if snap is None:
            raise EngineError("no org loaded yet: load one first (Engine.load_org / "
                              "`mergepilot org load FILE`)")
        graph = OrgGraph(Org.model_validate(snap.bundle), check=False)
        for ch in self._store.changes(after_seq=snap.change_seq):
            graph.apply(ChangeRecord.from_json(dict(ch.record)))
        self._org = (head.version, graph)
        return head, graph

    def set_org(self, version: int, graph: OrgGraph) -> None:
        """``graph`` is the org at org version ``version`` (just written by this engine)."""
        self._org = (version, graph)

    def drop_org(self) -> None:
        """Forget the graph: it is read again from the store when next needed."""
        self._org = None

    # -- proposals --------------------------------------------------------------------

    def remember(self, proposal: Proposal) -> None:
        if len(self._proposals) >= PARSED_KEPT:
            self._proposals.clear()  # they are read again when needed
        self._proposals[proposal.id] = proposal

    def proposal(self, id: str) -> Proposal:
        """Stored proposal ``id`` as a :class:`Proposal`, parsed once."""
        p = self._proposals.get(id)
        if p is None:
            row = self._store.proposal(id)
            if row is None:
                raise UnknownProposal(id)
            p = Proposal.model_validate(row.payload)
            self.remember(p)
        return p
