"""The words people read on the pages: translations (the ``web`` catalog), numbers and
dates in the locale's format, and names for the codes the library uses (blocs, levels,
states, triggers, roles, metrics, finding codes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mergepilot.engine.i18n import (
    LOCALES,
    format_date,
    format_number,
    format_share,
    pick_locale,
    translations,
)

__all__ = ["LABELS", "Words", "words"]


def N_(text: str) -> str:
    """Marks a message for the catalog; translated where it is shown."""
    return text


#: code -> English label (the msgid); shown translated
LABELS: dict[str, dict[str, str]] = {
    "bloc": {"party": N_("Party"), "state": N_("State bodies"), "front": N_("Front"),
             "public_service": N_("Public service"), "admin": N_("Administrative unit")},
    "level": {"central": N_("Central"), "province": N_("Province"),
              "district": N_("District"), "commune": N_("Commune"), "village": N_("Village")},
    "role": {"lead": N_("lead"), "support": N_("support")},
    "post": {"head": N_("Head"), "deputy": N_("Deputy")},
    "state": {"proposed": N_("proposed"), "endorsed": N_("endorsed"),
              "approved": N_("approved"), "operating": N_("operating"),
              "suspended": N_("suspended"), "rejected": N_("rejected"),
              "withdrawn": N_("withdrawn"), "terminated": N_("terminated")},
    "trigger": {"propose": N_("propose"), "submit": N_("submit"),
                "return_for_revision": N_("return for revision"),
                "record_consultation": N_("record consultation"), "endorse": N_("endorse"),
                "approve": N_("approve"), "reject": N_("reject"), "withdraw": N_("withdraw"),
                "start": N_("start"), "record_interim_review": N_("record interim review"),
                "record_final_review": N_("record final review"), "suspend": N_("suspend"),
                "resume": N_("resume"), "terminate": N_("terminate")},
    "actor_role": {"drafting_body": N_("drafting body"),
                   "appraisal_body": N_("appraisal body"),
                   "standing_committee": N_("Provincial Party Standing Committee"),
                   "implementing_body": N_("implementing body"),
                   "peoples_council": N_("Provincial People's Council"),
                   "national_assembly_standing_committee": N_(
                       "National Assembly Standing Committee"),
                   "national_assembly": N_("National Assembly"),
                   "government": N_("Government"), "politburo": N_("Politburo"),
                   "system": N_("the engine's clock"), "admin": N_("administrator")},
    "lifecycle": {"merger": N_("merger"), "pilot": N_("pilot"),
                  "admin_unit_merger": N_("administrative-unit merger")},
    "outcome": {"reverted": N_("reverted (unwound)"), "adopted": N_("adopted (kept)"),
                "superseded": N_("superseded")},
    "kind": {"amalgamate": N_("amalgamation"), "absorb": N_("absorption"),
             "concurrent_post": N_("concurrent post"),
             "common_advisory_body": N_("common advisory body"),
             "admin_unit_merger": N_("administrative-unit merger"),
             "dissolve": N_("dissolution"),
             "internal_rearrangement": N_("internal rearrangement"),
             "rename": N_("renaming"), "establish": N_("establishment"), "split": N_("split"),
             "abolish_level": N_("abolition of a level")},
    "metric": {"units": N_("units"), "staff_quota": N_("staff quota"),
               "staff_actual": N_("staff actual"), "heads": N_("heads (people)"),
               "head_posts": N_("head posts"), "deputies": N_("deputies"),
               "deputies_above_standard": N_("deputies above standard"),
               "divisions": N_("divisions"), "public_service_units": N_("public service units"),
               "territories.district": N_("districts"), "territories.commune": N_("communes")},
    "severity": {"error": N_("error"), "warning": N_("warning"), "info": N_("info")},
    "finding": {"OVERLAP-DUPLICATE-LEAD": N_("duplicate lead"), "GAP-NO-LEAD": N_("gap"),
                "OVERLAP-CANDIDATE": N_("merger candidate"),
                "OVERLAP-CANDIDATE-GROUP": N_("merger candidate group")},
    "target": {"met": N_("met"), "missed": N_("missed"), "open": N_("not reached")},
}


@dataclass(frozen=True)
class Words:
    """The translation and formats of one locale, handed to every template."""

    locale: str

    def _(self, message: str, **values: Any) -> str:
        out = translations("web", self.locale).gettext(message)
        return out.format(**values) if values else out

    def label(self, group: str, code: object) -> str:
        """The name of ``code`` in ``group`` (LABELS), translated; the code itself when
        it has none (a lifecycle role or kind added later still shows)."""
        key = str(getattr(code, "value", code))
        text = LABELS.get(group, {}).get(key)
        return self._(text) if text is not None else key.replace("_", " ")

    def num(self, value: float | int | None) -> str:
        return _number(value, self.locale, self._("unknown"))

    def share(self, value: float | None) -> str:
        return format_share(value, self.locale, unknown=self._("unknown"))

    def date(self, value: dt.date | str | None) -> str:
        if isinstance(value, str):
            value = dt.date.fromisoformat(value[:10])
        return _date(value, self.locale, self._("unknown"))

    @property
    def other_locales(self) -> tuple[str, ...]:
        return tuple(loc for loc in LOCALES if loc != self.locale)


# Babel's formatting costs most of a long page's rendering; the values repeat (years,
# the same dates), so each is formatted once.
@lru_cache(maxsize=65536)
def _number(value: float | int | None, locale: str, unknown: str) -> str:
    return format_number(value, locale, unknown=unknown)


@lru_cache(maxsize=65536)
def _date(value: dt.date | None, locale: str, unknown: str) -> str:
    return format_date(value, locale, unknown=unknown)


def words(locale: str | None) -> Words:
    return Words(pick_locale(locale) if locale else "vi")
