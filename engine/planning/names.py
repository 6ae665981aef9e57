"""Names for the codes a simulation result holds, as people read them in the report: blocs,
levels, kinds of change, lifecycle states and triggers, outcomes, pilot models, rule codes
and metrics. Each is an English msgid of the ``report`` catalog (``engine/i18n``), so the
Vietnamese report shows the Vietnamese name; a code with no name here is shown as it is.
"""

from __future__ import annotations

__all__ = [
    "BLOCS",
    "KINDS",
    "LEVELS",
    "LEVELS_PLURAL",
    "METRICS",
    "MODELS",
    "OUTCOMES",
    "RULES",
    "SEVERITIES",
    "SOURCES",
    "STATES",
    "TRIGGERS",
]


def N_(message: str) -> str:
    """Marks ``message`` for the catalog; it is translated where it is shown."""
    return message


BLOCS = {
    "party": N_("Party"),
    "state": N_("Government"),
    "front": N_("Fatherland Front and mass organisations"),
    "public_service": N_("Public service units"),
    "admin": N_("Administrative units"),
}
#: the order blocs are drawn in (Party, government, Front, public service)
BLOC_ORDER = ("party", "state", "front", "public_service", "admin")

LEVELS = {
    "central": N_("central"), "province": N_("province"), "district": N_("district"),
    "commune": N_("commune"), "village": N_("village"),
}
LEVELS_PLURAL = {
    "central": N_("central bodies"), "province": N_("provinces"), "district": N_("districts"),
    "commune": N_("communes"), "village": N_("villages"),
}

KINDS = {
    "amalgamate": N_("Amalgamation"),
    "absorb": N_("Absorption"),
    "dissolve": N_("Dissolution"),
    "concurrent_post": N_("Concurrent post"),
    "common_advisory_body": N_("Common advisory body"),
    "admin_unit_merger": N_("Administrative-unit merger"),
    "internal_rearrangement": N_("Internal rearrangement"),
    "rename": N_("Renaming"),
    "establish": N_("Establishment"),
    "split": N_("Split"),
    "abolish_level": N_("Abolition of a level"),
}

STATES = {
    "proposed": N_("proposed"),
    "endorsed": N_("endorsed"),
    "approved": N_("approved"),
    "operating": N_("operating"),
    "suspended": N_("suspended"),
    "terminated": N_("ended"),
    "rejected": N_("rejected"),
    "withdrawn": N_("withdrawn"),
    "not proposed": N_("not proposed"),
}

OUTCOMES = {
    "reverted": N_("ended and unwound"),
    "adopted": N_("adopted"),
    "superseded": N_("superseded"),
}

TRIGGERS = {
    "propose": N_("proposed"),
    "submit": N_("submitted"),
    "return_for_revision": N_("returned for revision"),
    "record_consultation": N_("consultation recorded"),
    "endorse": N_("endorsed"),
    "approve": N_("approved"),
    "reject": N_("rejected"),
    "withdraw": N_("withdrawn"),
    "start": N_("came into operation"),
    "record_interim_review": N_("interim review"),
    "record_final_review": N_("final review"),
    "suspend": N_("suspended"),
    "resume": N_("resumed"),
    "terminate": N_("ended"),
}

#: the pilot models of Conclusion 34-KL/TW that the shipped plans and policy name
MODELS = {
    "shared_office": N_("Party Committee Office merged with the People's Council and "
                        "People's Committee Office"),
    "organisation_home_affairs": N_("Organisation Board with the Home Affairs office"),
    "inspection_inspectorate": N_("Inspection Committee with the Inspectorate"),
    "propaganda_political_centre": N_("Propaganda and Education Board with the Political "
                                      "Training Centre"),
    "front_common_body": N_("One advisory body for the Fatherland Front and the "
                            "socio-political organisations"),
    "mass_mobilisation_front": N_("Mass Mobilisation Board head also chairs the Fatherland "
                                  "Front"),
    "secretary_chair": N_("Party secretary also chairs the People's Committee"),
    "provincial_office": N_("Provincial Party Office serving all Party advisory boards"),
    "single_tier": N_("Single-tier local government"),
}

SEVERITIES = {"error": N_("error"), "warning": N_("warning"), "info": N_("note")}

#: what raised a finding of the simulation
SOURCES = {"deadline": N_("missed deadline"), "refused": N_("refused step"),
           "legal": N_("legal check"), "plan": N_("plan check")}

RULES = {
    "NO-GROWTH-UNITS": N_("Adds units without an approved exception"),
    "NO-GROWTH-DIVISIONS": N_("Adds divisions without an approved exception"),
    "NO-GROWTH-STAFF": N_("Raises the staff quota"),
    "NO-GROWTH-EXCEPTION": N_("Growth allowed by an approved exception"),
    "ONE-LEAD-DUPLICATE": N_("A task with two lead bodies"),
    "ONE-LEAD-GAP": N_("A task left without a lead body"),
    "SCOPE-TERRITORY": N_("Units of different territories merged"),
    "SCOPE-LEVEL": N_("Units of different levels merged"),
    "SCOPE-CROSS-BLOC": N_("Units of different blocs merged"),
    "DEPUTIES-ABOVE-STANDARD": N_("More deputy heads than the standard"),
    "ADMIN-NOT-ADJACENT": N_("Merged territories do not border each other"),
    "ADMIN-RESULT-BELOW-STANDARD": N_("Merged territory still below the standard"),
    "ADMIN-BELOW-STANDARD": N_("Territory below the standard left unmerged"),
    "ADMIN-STANDARD-EXEMPT": N_("Territory exempt from the standard"),
    "ADMIN-STANDARD-UNKNOWN": N_("Area or population unknown"),
    "LEGAL-FORBIDDEN": N_("Forbidden by a regulation in force"),
    "LEGAL-NEEDS-GUIDANCE": N_("Waits for central guidance"),
    "LEGAL-NOT-IN-FORCE": N_("Relies on a regulation not in force"),
    "LEGAL-NO-BASIS": N_("No legal basis named"),
    "REF-UNKNOWN-ID": N_("Names something not in the org"),
    "REF-ID-TAKEN": N_("New id already in use"),
    "REF-SELF-MERGE": N_("Merged into itself"),
    "REF-MERGED-TWICE": N_("Merged twice"),
    "REF-DATE-ORDER": N_("Dates out of order"),
    "CHANGE-NOTE": N_("Note of the change"),
    "CHANGE-ILLEGAL": N_("Change refused by the org model"),
    "COVERAGE-TARGET": N_("Pilot coverage below the target"),
    "COVERAGE-TARGET-MET": N_("Pilot coverage target met"),
    "POLICY-NO-MATCH": N_("Prohibition that matches no unit"),
    "SIM-EVENT-REFUSED": N_("Planned step refused"),
    "OVERLAP-DUPLICATE-LEAD": N_("A task with two lead bodies"),
    "GAP-NO-LEAD": N_("A task led by nobody"),
    "DEADLINE-MISSED": N_("Deadline missed"),
    "DEADLINE-DEPUTIES-MISSED": N_("Deputy heads not back at the standard in time"),
    "DEADLINE-DEPUTIES-UNKNOWN": N_("Deputy heads unknown at the deadline"),
    "DEADLINE-PILOT-END-MISSED": N_("Pilot not reviewed by its end"),
    "ADMIN-RESULT-UNKNOWN": N_("Merged territory's figures unknown"),
    "NO-GROWTH-UNKNOWN": N_("Growth cannot be judged: figures unknown"),
}

#: the summary metrics by key (the keys of ``SUMMARY_METRICS``)
METRICS = {
    "units": N_("Units (separate bodies)"),
    "staff_quota": N_("Staff quota"),
    "staff_actual": N_("Staff in post"),
    "heads": N_("Heads (people)"),
    "head_posts": N_("Head posts"),
    "deputies": N_("Deputy heads"),
    "deputies_above_standard": N_("Deputy heads above the standard"),
    "divisions": N_("Divisions"),
    "public_service_units": N_("Public service units"),
    "territories.district": N_("Districts"),
    "territories.commune": N_("Communes"),
}
