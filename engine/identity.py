"""Who may decide: principals, their bearer tokens and their grants.

A *principal* is a person or body known to the store (``principals``), authenticated by a
bearer token (``credentials`` keep a lookup id and the argon2 hash of the token, never
the token). A *grant* gives a principal a role -- a lifecycle role of
:data:`mergepilot.workflows.ROLES` or :data:`ADMIN` -- everywhere or for one territory and
everything inside it. The engine fires a trigger for a principal only when the
lifecycle allows one of the roles the principal holds there; the role is never taken
from the caller.

Tokens look like ``mpt_<lookup>_<secret>``: the lookup id finds the row at once and argon2
(pwdlib) checks the whole token. argon2 costs tens of milliseconds on purpose, so it runs
once per :meth:`Engine.authenticate`, not per transition: the :class:`Principal` it
returns is what a batch of thousands of transitions passes as ``by=``.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from .errors import EngineError

__all__ = ["Principal"]

#: the role that manages principals and grants, loads orgs and sets the policy (not a
#: lifecycle role: it fires no trigger)
ADMIN = "admin"
#: the built-in principal of the engine's own clock; no one can authenticate as it or be
#: granted its role
SYSTEM_ID = "system"
#: the longest principal id; the longest reason a transition may carry
MAX_ID = 100
MAX_REASON = 4000
_ID_RE = re.compile(r"^[^\s<>][^\s]*$")


@dataclass(frozen=True, eq=False)
class Principal:
    """Someone the engine acts for: made by :meth:`Engine.authenticate` (or, on a store
    opened for a simulation, :meth:`Engine.acting_as`) and good only with that engine."""

    id: str
    name: str
    #: in a simulation's store only: the one role this principal acts as
    simulated_role: str | None = None

    def __repr__(self) -> str:
        return f"Principal({self.id!r})"


def check_id(id: str) -> str:
    if not id or len(id) > MAX_ID or not _ID_RE.match(id):
        raise EngineError(f"a principal id is 1 to {MAX_ID} characters without spaces, "
                          f"not starting with '<' or '>': got {id[:120]!r}")
    if id == SYSTEM_ID:
        raise EngineError(f"{SYSTEM_ID!r} is the engine's own clock: no user may be it")
    return id


def check_reason(reason: str) -> str:
    if len(reason) > MAX_REASON:
        raise EngineError(f"a reason is at most {MAX_REASON} characters, got {len(reason)}")
    return reason


@cache
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


def new_token() -> tuple[str, str]:
    """A fresh token and its lookup id: (lookup, token)."""
    lookup = secrets.token_hex(8)
    return lookup, f"mpt_{lookup}_{secrets.token_urlsafe(32)}"


def token_lookup(token: str) -> str:
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "mpt" or not re.fullmatch(r"[0-9a-f]{16}", parts[1]):
        raise EngineError("not a mergepilot token (mpt_...): check MERGEPILOT_TOKEN or "
                          "--token-file")
    return parts[1]


def hash_token(token: str) -> str:
    return _hasher().hash(token)


def token_matches(token: str, digest: str) -> bool:
    try:
        return bool(_hasher().verify(token.strip(), digest))
    except Exception:  # a malformed stored hash is a failed check, not a crash
        return False
