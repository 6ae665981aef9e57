"""Every lifecycle definition, all versions kept, so pinned instances keep working.

``get_lifecycle(name)`` gives the latest version, ``get_lifecycle(name, version=n)`` a
pinned one. A new version is added next to the old ones, never instead of them.

The latest versions (``merger`` v2, ``pilot`` v3, ``admin_unit_merger`` v2, defined in
:mod:`.deciders`) let only the deciding body of the proposal's level approve or reject it
(``Instance.data["deciding_roles"]``, recorded when the proposal is stored); instances
pinned to the older versions keep the old deciding body.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .admin_unit_merger import ADMIN_UNIT_MERGER_V1
from .deciders import ADMIN_UNIT_MERGER_V2, MERGER_V2, PILOT_V3
from .errors import UnknownLifecycle
from .lifecycle import Lifecycle
from .merger import MERGER_V1
from .pilot import PILOT_V1, PILOT_V2
from .proposal import Proposal

__all__ = ["CHANGE_KINDS", "LIFECYCLES", "all_versions", "get_lifecycle", "lifecycle_for"]

_VERSIONS: Mapping[str, Mapping[int, Lifecycle]] = MappingProxyType({
    lc_list[0].name: MappingProxyType({lc.version: lc for lc in lc_list})
    for lc_list in ([MERGER_V1, MERGER_V2], [PILOT_V1, PILOT_V2, PILOT_V3],
                    [ADMIN_UNIT_MERGER_V1, ADMIN_UNIT_MERGER_V2])
})

#: The latest version of every lifecycle, by name.
LIFECYCLES: Mapping[str, Lifecycle] = MappingProxyType({
    name: versions[max(versions)] for name, versions in _VERSIONS.items()
})

#: Which lifecycles a kind of change (``ProposalKind`` values) can go through. The kind is
#: the content of the change (its change records); the lifecycle is who decides and in
#: which steps, so a concurrent post is a merger when permanent and a pilot on trial.
CHANGE_KINDS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "amalgamate": ("merger", "pilot"),
    "absorb": ("merger", "pilot"),
    "concurrent_post": ("merger", "pilot"),
    "common_advisory_body": ("merger", "pilot"),
    "dissolve": ("merger", "pilot"),
    "internal_rearrangement": ("merger", "pilot"),
    "admin_unit_merger": ("admin_unit_merger",),
    "rename": ("merger", "pilot"),
    "establish": ("merger", "pilot"),
    "split": ("merger", "pilot"),
    # pilot model 8 (single-tier local government on Lý Sơn: no commune level) is a pilot
    "abolish_level": ("merger", "pilot"),
})


def get_lifecycle(name: str, version: int | None = None) -> Lifecycle:
    """The definition ``name`` at ``version`` (latest when None); ``UnknownLifecycle`` if none."""
    versions = _VERSIONS.get(name)
    if versions is None:
        raise UnknownLifecycle(name, None, sorted(_VERSIONS))
    if version is None:
        return versions[max(versions)]
    lc = versions.get(version)
    if lc is None:
        raise UnknownLifecycle(name, version, [str(v) for v in sorted(versions)])
    return lc


def all_versions(name: str) -> tuple[Lifecycle, ...]:
    """Every version of ``name``, oldest first."""
    versions = _VERSIONS.get(name)
    if versions is None:
        raise UnknownLifecycle(name, None, sorted(_VERSIONS))
    return tuple(versions[v] for v in sorted(versions))


def lifecycle_for(proposal: Proposal) -> str:
    """The lifecycle ``proposal`` goes through: its own (``lifecycle``) when its kind can
    take it (:data:`CHANGE_KINDS`), else its kind's first -- an administrative-unit merger
    is decided by other bodies (``admin_unit_merger``), whatever the file says."""
    name = proposal.lifecycle.value
    allowed = CHANGE_KINDS[proposal.kind.value]
    return name if name in allowed else allowed[0]
