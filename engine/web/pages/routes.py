"""The workbench's pages: sign-in, the org explorer, overlaps, proposals and their
transitions. Plans (validate, simulate, compare, downloads) are in :mod:`.plans`.

Every page is a thin layer over the library calls the CLI makes (``Engine.authenticate``,
``Engine.fire(by=...)``, ``Engine.org(at=...)``, ``overlap_scan``); nothing is computed a
second way here.
"""

from __future__ import annotations

import hmac
import secrets
import tempfile
from collections.abc import Callable, Coroutine
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape

from mergepilot.engine import EngineError, StoreError, TransitionRefused
from mergepilot.orgchart import Level, MergepilotError, OrgGraph, load_org, overlap_scan
from mergepilot.workflows import GuardFailed, RoleNotAllowed, get_lifecycle

from .state import SESSION_IDLE, Session, Workbench
from .svg import lifecycle_svg
from .text import Words, words
from .views import OrgIndex, may_fire, page_of, parse_params

__all__ = ["LANG_COOKIE", "SESSION_COOKIE", "Pages"]

SESSION_COOKIE = "mp_session"
LANG_COOKIE = "mp_lang"
#: the double-submit token of the sign-in form (no session exists yet)
LOGIN_CSRF_COOKIE = "mp_login_csrf"


#: the shipped example orgs an administrator may load from the org page
EXAMPLES = {"sample": "quang_ngai.yaml", "nui-xanh": "nui_xanh.yaml"}
#: the largest org file accepted by upload (bytes)
MAX_UPLOAD = 200_000_000
_NO_FILE = File(None)


class CsrfRefused(EngineError):
    """A form whose CSRF token is not the session's: 403 wherever it is checked."""


class NeedSignIn(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def _safe_next(url: str | None) -> str:
    """Only a path on this site (no scheme, no //host): an open redirect otherwise."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/org"
    return url


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _int(text: str | None, default: int = 1) -> int:
    try:
        return int(text or default)
    except ValueError:
        return default


class Pages:
    def __init__(self, bench: Workbench) -> None:
        self.bench = bench
        self.env = Environment(loader=PackageLoader("mergepilot.engine.web.pages", "templates"),
                               autoescape=select_autoescape(default=True,
                                                            default_for_string=True),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.globals["urlencode"] = lambda d: urlencode(
            {k: v for k, v in d.items() if v not in (None, "")})
        self.env.filters["q"] = lambda s: quote(str(s), safe="")

    # -- common -------------------------------------------------------------------------

    def words(self, request: Request) -> Words:
        return words(request.query_params.get("lang") or request.cookies.get(LANG_COOKIE))

    def session(self, request: Request) -> Session | None:
        return self.bench.session(request.cookies.get(SESSION_COOKIE))

    def need(self, request: Request) -> Session:
        s = self.session(request)
        if s is None:
            url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise NeedSignIn(url)
        return s

    def check_csrf(self, s: Session, token: str) -> None:
        if not hmac.compare_digest(s.csrf.encode(), token.encode()):
            raise CsrfRefused("the form has expired or did not come from this site: "
                              "reload the page and try again")

    def render(self, request: Request, name: str, status: int = 200,
               **values: Any) -> HTMLResponse:
        w = self.words(request)
        s = self.session(request)
        html = self.env.get_template(name).render(
            w=w, _=w._, session=s, csrf=s.csrf if s else "", path=request.url.path,
            query=str(request.url.query), **values)
        resp = HTMLResponse(html, status_code=status)
        if s is not None:  # each page renews the idle limit
            set_session_cookie(request, resp, s.token)
        if request.query_params.get("lang") in (*w.other_locales, w.locale):
            resp.set_cookie(LANG_COOKIE, w.locale, max_age=365 * 86400, samesite="lax",
                            httponly=True)
        return resp

    def error(self, request: Request, message: str, status: int = 400) -> HTMLResponse:
        return self.render(request, "error.j2", status=status, message=message)

    # -- routes -------------------------------------------------------------------------

    def route_class(self) -> type[APIRoute]:
        """Routes whose library errors (no org loaded yet, a store to upgrade) become an
        error page naming the problem, never a traceback; app-wide handlers are the
        API's business, so this stays inside the pages' own routes."""
        pages = self

        class PageRoute(APIRoute):
            def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
                handler = super().get_route_handler()

                async def guarded(request: Request) -> Response:
                    try:
                        return await handler(request)
                    except MergepilotError as exc:
                        status = (503 if isinstance(exc, StoreError) else
                                  403 if isinstance(exc, CsrfRefused) else 409)
                        return pages.error(request, str(exc), status)

                return guarded

        return PageRoute

    def router(self) -> APIRouter:
        r = APIRouter(include_in_schema=False, route_class=self.route_class())
        r.add_api_route("/", self.home, methods=["GET"])
        r.add_api_route("/login", self.login_form, methods=["GET"])
        r.add_api_route("/login", self.login, methods=["POST"])
        r.add_api_route("/logout", self.logout, methods=["POST"])
        r.add_api_route("/lang/{code}", self.lang, methods=["GET"])
        r.add_api_route("/org", self.org_page, methods=["GET"])
        r.add_api_route("/org/load", self.org_load, methods=["POST"])
        r.add_api_route("/org/unit/{unit_id:path}", self.unit_page, methods=["GET"])
        r.add_api_route("/overlaps", self.overlaps_page, methods=["GET"])
        r.add_api_route("/overlaps/candidate/{rank}", self.candidate_page, methods=["GET"])
        r.add_api_route("/proposals", self.proposals_page, methods=["GET"])
        # ids may hold "/" (Núi Xanh's do): the fire route is matched first
        r.add_api_route("/proposals/{pid:path}/fire", self.fire, methods=["POST"])
        r.add_api_route("/proposals/{pid:path}", self.proposal_page, methods=["GET"])
        r.add_api_route("/clock", self.clock, methods=["POST"])
        return r

    def home(self, request: Request) -> Response:
        return RedirectResponse("/org" if self.session(request) else "/login", 303)

    def lang(self, request: Request, code: str, next: str = "/org") -> Response:
        resp = RedirectResponse(_safe_next(next), 303)
        w = words(code)
        resp.set_cookie(LANG_COOKIE, w.locale, max_age=365 * 86400, samesite="lax",
                        httponly=True)
        return resp

    def login_form(self, request: Request, next: str = "/org", failed: str = "") -> Response:
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
        resp = self.render(request, "login.j2", next=_safe_next(next), login_csrf=token,
                           failed=bool(failed), status=401 if failed else 200)
        resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        max_age=3600)
        return resp

    def login(self, request: Request, user: str = Form(""), token: str = Form(""),
              csrf: str = Form(""), next: str = Form("/org")) -> Response:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(expected.encode(), csrf.encode()):
            return self.error(request, self.words(request)._(
                "The sign-in form has expired: reload it and try again."), 403)
        try:
            s = self.bench.sign_in(user, token)
        except MergepilotError:
            return RedirectResponse(f"/login?failed=1&next={quote(_safe_next(next))}", 303)
        resp = RedirectResponse(_safe_next(next), 303)
        set_session_cookie(request, resp, s.token)
        resp.delete_cookie(LOGIN_CSRF_COOKIE)
        return resp

    def logout(self, request: Request, csrf: str = Form("")) -> Response:
        s = self.session(request)
        if s is not None:
            self.check_csrf(s, csrf)
        # The browser forgets the token; the token itself stays valid until
        # `mergepilot user revoke` (no worker keeps a list of signed-out tokens).
        resp = RedirectResponse("/login", 303)
        resp.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")
        return resp

    # -- the org ------------------------------------------------------------------------

    def org_index(self, at: date | None) -> tuple[OrgIndex, date]:
        with self.bench.engine() as eng:
            version = eng.store.org_head().version
            today = eng.today
            if at is None or at >= today:
                graph = eng.current_org()
                return self.bench.view(("org", version), lambda: OrgIndex.build(graph)), today

            def make() -> OrgIndex:
                return OrgIndex.build(eng.org(at=at))

            return self.bench.view(("org", version, at), make), at

    def org_page(self, request: Request, territory: str = "", q: str = "", bloc: str = "",
                 page: str = "1", at: str = "") -> Response:
        self.need(request)
        day = _day(at)
        with self.bench.engine() as eng:
            loaded = eng.store.clock()[1] is not None
        if not loaded:
            return self.render(request, "org_empty.j2")
        try:
            ix, shown_on = self.org_index(day)
        except MergepilotError as exc:
            return self.error(request, str(exc), 404)
        g = ix.graph
        terr = g.territory(territory) if territory and g.has_territory(territory) else None
        if q.strip():
            units = ix.search(q, terr.id if terr else None, bloc or None)
        elif terr is not None:
            units = [u for u in ix.units_in.get(terr.id, []) if not bloc or u.bloc.value == bloc]
        else:
            units = []
        children = ix.children.get(terr.id, []) if terr else ix.roots
        return self.render(
            request, "org.j2", ix=ix, terr=terr, trail=ix.trail(terr.id) if terr else [],
            children=page_of(children, _int(request.query_params.get("tpage")), 100),
            units=page_of(units, _int(page)), q=q, bloc=bloc, at=at, shown_on=shown_on,
            blocs=("party", "state", "front", "public_service", "admin"),
            territory=territory)

    def org_load(self, request: Request, example: str = Form(""), csrf: str = Form(""),
                 file: UploadFile | None = _NO_FILE) -> Response:
        """Make an org the store's current org (``mergepilot org load``; an administrator):
        an uploaded bundle (YAML, JSON or Excel) or a shipped example."""
        s = self.need(request)
        self.check_csrf(s, csrf)
        with tempfile.TemporaryDirectory(prefix="mergepilot-upload-") as tmp:
            if file is not None and file.filename:
                suffix = Path(file.filename).suffix.lower()
                if suffix not in (".yaml", ".yml", ".json", ".xlsx"):
                    return self.error(request, self.words(request)._(
                        "An org file is .yaml, .json or .xlsx, got {name}.",
                        name=file.filename[:80]), 422)
                path = Path(tmp) / f"org{suffix}"
                path.write_bytes(file.file.read(MAX_UPLOAD + 1)[:MAX_UPLOAD + 1])
                if path.stat().st_size > MAX_UPLOAD:
                    return self.error(request, f"{file.filename}: larger than "
                                      f"{MAX_UPLOAD:,} bytes", 413)
            elif example in EXAMPLES:
                path = Path(str(resources.files("mergepilot.orgchart.data").joinpath(
                    EXAMPLES[example])))
            else:
                return self.error(request, self.words(request)._("Pick an org to load."), 422)
            org = load_org(path)
            with self.bench.engine() as eng:
                eng.load_org(org, by=s.principal)
        return RedirectResponse("/org", 303)

    def unit_page(self, request: Request, unit_id: str, at: str = "") -> Response:
        self.need(request)
        try:
            ix, shown_on = self.org_index(_day(at))
        except MergepilotError as exc:
            return self.error(request, str(exc), 404)
        g: OrgGraph = ix.graph
        if not g.has_unit(unit_id):
            return self.error(request, self.words(request)._(
                "There is no unit {id} in the org on {day}.", id=unit_id,
                day=self.words(request).date(shown_on)), 404)
        u = g.unit(unit_id)
        fns = sorted(g.functions_of(u.id).items(),
                     key=lambda kv: (kv[1].value != "lead", g.function(kv[0]).name))
        posts = []
        for p in g.posts(u.id):
            holder = g.person(p.holder).name if p.holder else None
            also = [q for q in ix.held.get(p.holder or "", ()) if q.id != p.id]
            posts.append((p, holder, [(q, g.unit(q.unit).name) for q in also
                                      if g.has_unit(q.unit)]))
        regs = [g.regulation(r) for r in u.regulations]
        return self.render(
            request, "unit.j2", u=u, g=g, fns=[(g.function(c), r) for c, r in fns],
            posts=posts, regs=regs, parent=g.unit(u.parent) if u.parent and
            g.has_unit(u.parent) else None, kids=g.children(u.id),
            terr=g.territory(u.territory), trail=ix.trail(u.territory), at=at,
            shown_on=shown_on)

    # -- overlaps -----------------------------------------------------------------------

    def _scan(self, territory: str, level: str) -> tuple[Any, str | None, str | None, Any,
                                                          Any | None]:
        """The org index, the scope read from the query (unknown values dropped), the org's
        version and its overlap scan (None while it is being made in the background)."""
        ix, _today = self.org_index(None)
        lvl = level if level in {x.value for x in Level} else None
        terr = territory if territory and ix.graph.has_territory(territory) else None
        with self.bench.engine() as eng:
            version = eng.store.org_head().version
        scan = self.bench.view_soon(("overlaps", version, terr, lvl),
                                    lambda: overlap_scan(ix.graph, territory=terr, level=lvl))
        return ix, terr, lvl, version, scan

    def overlaps_page(self, request: Request, territory: str = "", level: str = "",
                      show: str = "candidates", page: str = "1") -> Response:
        self.need(request)
        ix, terr, lvl, version, scan = self._scan(territory, level)
        if scan is None:
            return self.render(request, "wait.j2", status=202)
        rows: list[Any]
        n = _int(page)
        if show == "leads":
            pg = page_of(scan.duplicate_leads, n)
        elif show == "gaps":
            pg = page_of(scan.gaps, n)
        elif show == "groups":
            pg = page_of(scan.groups, n)
        else:
            show = "candidates"
            total = len(scan.candidates)
            pages = max(1, -(-total // 50))
            n = min(max(n, 1), pages)
            rows = scan.page((n - 1) * 50, 50)
            from .views import Page

            pg = Page(n, pages, total, rows)
        fnames = self.bench.view(("fnames", version), lambda: {
            f.code: f.name for f in ix.graph.functions()})
        options = self.bench.view(("terr-options", version), lambda: sorted(
            (t for t in ix.graph.territories() if t.level.value in ("central", "province",
                                                                    "district")),
            key=lambda t: (t.level.value != "province", t.name))[:2000])
        return self.render(request, "overlaps.j2", scan=scan, pg=pg, show=show,
                           territory=terr or "", level=lvl or "", g=ix.graph, ix=ix,
                           levels=[x.value for x in Level], fnames=fnames, options=options)

    def candidate_page(self, request: Request, rank: int, territory: str = "",
                       level: str = "") -> Response:
        self.need(request)
        ix, terr, lvl, _version, scan = self._scan(territory, level)
        if scan is None:
            return self.render(request, "wait.j2", status=202)
        if not 0 <= rank < len(scan.candidates):
            return self.error(request, self.words(request)._("No such merger candidate."), 404)
        f = scan.explain(rank)
        g = ix.graph
        units = [g.unit(i) for i in f.ids if g.has_unit(i)]
        return self.render(request, "candidate.j2", f=f, units=units, g=g, rank=rank,
                           territory=terr or "", level=lvl or "")

    # -- proposals ----------------------------------------------------------------------

    def proposals_page(self, request: Request, state: str = "", lifecycle: str = "",
                       kind: str = "", q: str = "", page: str = "1") -> Response:
        self.need(request)
        with self.bench.engine() as eng:
            rows = eng.proposals(state=state or None)
            today = eng.today if eng.store.clock()[1] is not None else None
        text = q.casefold().strip()
        rows = [p for p in rows if (not lifecycle or p.lifecycle == lifecycle)
                and (not kind or p.kind == kind)
                and (not text or text in f"{p.id} {p.payload.get('title', '')}".casefold())]
        return self.render(request, "proposals.j2", pg=page_of(rows, _int(page)),
                           state=state, lifecycle=lifecycle, kind=kind, q=q, today=today)

    def _proposal_view(self, request: Request, pid: str, s: Session,
                       refusal: dict[str, Any] | None = None, status: int = 200,
                       form: dict[str, str] | None = None) -> Response:
        w = self.words(request)
        with self.bench.engine() as eng:
            try:
                row = eng.proposal(pid)
            except MergepilotError:
                return self.error(request, w._("There is no proposal {id}.", id=pid), 404)
            events = eng.history(pid)
            refusals = eng.refusals(pid)
            buttons = may_fire(eng, s.principal, pid)
            proposal = eng.cache.proposal(pid)
            g = eng.current_org()
            names = {u: g.unit(u).name for u in proposal.unit_ids() if g.has_unit(u)}
            terr_names = {t: g.territory(t).name
                          for t in (*proposal.territories,
                                    *(proposal.pilot.places if proposal.pilot else ()))
                          if g.has_territory(t)}
            regs = {r.id: r.title for r in g.regulations()}
            today = eng.today
            people = dict(eng.store.principals())
        lc = get_lifecycle(row.lifecycle, int(row.definition_version))
        visited = [e.dest for e in events]
        diagram = lifecycle_svg(lc, row.state, w.label, visited)
        specs = {name: lc.triggers[name] for name, _role in buttons}
        return self.render(request, "proposal.j2", status=status, row=row, p=proposal,
                           events=events, refusals=refusals, buttons=buttons, specs=specs,
                           diagram=diagram, names=names, terr_names=terr_names, regs=regs,
                           lc=lc, refusal=refusal, form=form or {}, today=today,
                           people=people)

    def proposal_page(self, request: Request, pid: str) -> Response:
        s = self.need(request)
        return self._proposal_view(request, pid, s)

    def fire(self, request: Request, pid: str, trigger: str = Form(...),
             reason: str = Form(""), outcome: str = Form(""), agree_share: str = Form(""),
             params: str = Form(""), csrf: str = Form(""),
             version: str = Form("")) -> Response:
        s = self.need(request)
        w = self.words(request)
        try:
            self.check_csrf(s, csrf)
        except EngineError as exc:
            return self.error(request, str(exc), 403)
        form = {"trigger": trigger, "reason": reason, "params": params}
        try:
            values = parse_params(params)
        except ValueError as exc:
            return self._proposal_view(request, pid, s, {
                "message": w._("A parameter must be written KEY=VALUE, got: {line}",
                               line=str(exc)), "rule": "", "findings": []}, 422, form)
        if outcome:
            values["outcome"] = outcome
        if agree_share.strip():
            try:
                values["agree_share"] = float(agree_share.replace(",", "."))
            except ValueError:
                values["agree_share"] = agree_share
        try:
            with self.bench.engine() as eng:
                eng.fire(pid, trigger, by=s.principal, reason=reason, params=values or None,
                         expected_version=int(version) if version.isdigit() else None)
        except TransitionRefused as exc:
            return self._proposal_view(request, pid, s, _refusal(exc, w), 409, form)
        except MergepilotError as exc:
            return self._proposal_view(request, pid, s, {
                "message": str(exc), "rule": type(exc).__name__, "findings": []}, 409, form)
        return RedirectResponse(f"/proposals/{quote(pid, safe='')}?fired={quote(trigger)}",
                                303)

    def clock(self, request: Request, day: str = Form(""), csrf: str = Form(""),
              next: str = Form("/proposals")) -> Response:
        s = self.need(request)
        try:
            self.check_csrf(s, csrf)
        except EngineError as exc:
            return self.error(request, str(exc), 403)
        when = _day(day)
        if when is None:
            return self.error(request, self.words(request)._(
                "A date is written YYYY-MM-DD, got {day}.", day=day[:40]), 422)
        try:
            with self.bench.engine() as eng:
                eng.advance_to(when, by=s.principal)
        except MergepilotError as exc:
            return self.error(request, str(exc), 409)
        return RedirectResponse(_safe_next(next), 303)


def set_session_cookie(request: Request, resp: Response, token: str) -> None:
    """The session cookie: the token signed in with, for the browser alone to send back."""
    resp.set_cookie(SESSION_COOKIE, token, max_age=SESSION_IDLE, httponly=True,
                    samesite="lax", secure=request.url.scheme == "https")


def _refusal(exc: TransitionRefused, w: Words) -> dict[str, Any]:
    """What a refusal shows: the engine's message and the rule that refused it."""
    err = exc.error
    findings: list[Any] = []
    if isinstance(err, GuardFailed):
        rule = w._("guard {name}", name=err.guard)
        findings = [f for f in err.findings if f.severity == "error"] or list(err.findings)
    elif isinstance(err, RoleNotAllowed):
        rule = w._("roles allowed: {roles}", roles=", ".join(
            w.label("actor_role", r) for r in err.allowed_roles))
    else:
        rule = type(err).__name__ if err is not None else ""
    return {"message": str(exc), "rule": rule, "findings": findings}
