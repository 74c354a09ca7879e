"""Recording pages: a whole visit, single entries, corrections, triangulation, oversight and
the birth of a child recorded before it."""

from datetime import datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dailylife import access, audit
from dailylife.access import Action, requires
from dailylife.chronology import showable
from dailylife.clock import from_local, local_today, to_local, utcnow
from dailylife.entries import describe, history, operations, pages, references, refusals
from dailylife.entries.kinds import (CHILD_CONTENT, KINDS, REPORTABLE, TRIANGULATION_CHECK,
                                     Report, report_of)
from dailylife.entries.models import Kind
from dailylife.entries.payload import (answers_of, check_page, form_values, show_errors,
                                       validate_amendment, without_unasked)
from dailylife.entries.rules import rules_url
from dailylife.extensions import db
from dailylife.media import pages as media_pages
from dailylife.media.operations import images_of
from dailylife.safety import plans as safety_plans
from dailylife.siblings import groups
from dailylife.signals import compute as signals
from dailylife.signals import supervision

bp = Blueprint("entries", __name__, url_prefix="/cases/<child_id>")

@bp.app_context_processor
def entry_words():
    return {"describe": describe.described, "corrections": describe.corrections,
            "entry_kinds": KINDS, "entry_rules_url": rules_url,
            "child_content": " ".join(CHILD_CONTENT)}


#: Field errors are sent back with 400, so a client that is not a browser sees the failure too.
INVALID = 400


def _now_local():
    return to_local(utcnow()).replace(second=0, microsecond=0, tzinfo=None)


def _occurred_at(form):
    """The typed local time as UTC, or None with the problem put next to the field."""
    occurred_at = from_local(form.occurred_at.data)
    problem = operations.occurred_at_problem(occurred_at)
    if problem:
        form.occurred_at.errors = [*form.occurred_at.errors, problem]
        return None
    return occurred_at


def _after_saving(child, message: str):
    flash(message, "info")
    return redirect(url_for("children.child_page", child_id=child.id))


def _visit_page(child, form, status: int = 200):
    templates = form.row_templates()
    for list_name, kind in form.ROW_KINDS.items():
        _offer_siblings(child, kind, templates[list_name],
                        *(row.form for row in getattr(form, list_name)))
    plan = safety_plans.for_child(child)
    return render_template("entries/record_visit.html", child=child, form=form,
                           row_templates=templates, safety_plan=plan), status


def _ask_about_conditions(child, form) -> None:
    """A check for each condition of the child's safety plan, "not checked" until answered."""
    plan = safety_plans.for_child(child)
    for condition in plan.conditions if plan else ():
        form.safety_plan_checks.append_entry({"condition": condition.id,
                                              "outcome": safety_plans.NOT_CHECKED})


def _offer_siblings(child, kind: str, *forms) -> None:
    """"Also record for": on each form of a kind recorded once for brothers and sisters, the
    child's siblings that the user records about."""
    if KINDS[kind].for_siblings:
        choices = groups.offer(current_user, child, kind)
        for form in forms:
            form.also_for.choices = choices


def _refused(child, kind: Kind, form, page):
    """A page shown again with its messages at the fields: nothing of it is kept, and the
    refusal is audited (``entries.refusals``)."""
    refusals.audit_page(child, kind, form)
    return page


def _audit_unseen(unseen) -> None:
    """Children named in ``also_for`` whom the user may not record about are audited as refused,
    in a commit of their own: the refused page's work is rolled back."""
    if unseen:
        db.session.rollback()
        for child_id in unseen:
            audit.record("refused", child_id=child_id, requested="also_for")
        db.session.commit()


@bp.route("/visits/new", methods=["GET", "POST"])
@requires(Action.RECORD)
def record_visit(child):
    form = pages.RecordVisitForm()
    if request.method == "GET":
        form.occurred_at.data = _now_local()
        form.unborn.data = child.unborn or None
        _ask_about_conditions(child, form)
    elif form.row_added():
        return _visit_page(child, form)
    else:
        form.drop_blank_rows()
        answered = form.validate()  # first: validating a form clears the messages put at fields
        parts = _checked_visit(child, form)
        if answered and parts is not None:
            occurred_at = _occurred_at(form)
            images = media_pages.process_slots(pages.images_by_entry(form))
            if occurred_at is not None and images is not None:
                try:
                    saved = operations.record_visit(current_user, child, operations.VisitParts(
                        occurred_at=occurred_at, **parts))
                except operations.EntryRefused as refused:
                    show_errors(refused.errors, form, fallback=form.occurred_at)
                    return _refused(child, Kind.VISIT, form, _visit_page(child, form, INVALID))
                kept = media_pages.attach_all(current_user, saved, images)
                return _after_saving(child, f"Visit saved with {len(saved) - 1} other entries"
                                     f"{_and_images(kept)}." + _voice_reminder(child, form))
        return _refused(child, Kind.VISIT, form, _visit_page(child, form, INVALID))
    return _visit_page(child, form)


def _checked_visit(child, form) -> dict | None:
    """The visit and each of its rows judged by their kinds, every message put at its field:
    the ``VisitParts`` answers, or None if any part fails."""
    visit = check_page(form, "visit")
    rows = {list_name: [_checked_row(child, row.form, kind) for row in getattr(form, list_name)]
            for list_name, kind in form.ROW_KINDS.items()}
    if visit is None or any(None in checked for checked in rows.values()):
        return None
    return dict(visit=visit, observations=rows["observations"], voices=rows["voice"],
                household_changes=rows["household_changes"])


def _checked_row(child, form, kind: str) -> dict | None:
    """A row of a visit judged as its kind, and the brothers and sisters it is also recorded
    for judged before anything is saved, the message at the row's own question."""
    data = check_page(form, kind)
    if data is None or not data.get("also_for"):
        return data
    found = groups.also_for(current_user, child, data["also_for"], kind)
    if found.problem:
        _audit_unseen(found.unseen)
        form.also_for.errors = [*form.also_for.errors, found.problem]
        return None
    return data


def _and_images(kept: int) -> str:
    return f" and {kept} image{'s' if kept != 1 else ''}" if kept else ""


def _voice_reminder(child, form) -> str:
    """A reminder, never a block: the child was seen, and nothing in their own words was added."""
    if not form.child_seen.data or form.voice.entries:
        return ""
    return (f" {child.known_as} was seen, but nothing in their own words was added: record what "
            "they said or showed with “The child's own words”.")


SINGLE_ENTRY_PAGES = {
    Kind.OBSERVATION: ("Record an observation", "Observation saved."),
    Kind.VOICE: ("Record the child's own words", "The child's words are saved."),
    Kind.HOUSEHOLD_CHANGE: ("Record a household change", "Household change saved. Consider "
                            "whether the risk assessment needs reviewing."),
    Kind.MOVE: ("Record a move", "Move saved. Your team manager is asked to review the risk "
                "assessment for the new address."),
    Kind.OVERSIGHT: ("Record a management decision", "Management decision saved."),
    Kind.ESCALATION: ("Escalate a concern", "Escalated: your team manager sees it at the top of "
                      "their dashboard until they answer it."),
    Kind.CONTACT: ("Record a contact or appointment", "Contact saved."),
    Kind.MEASUREMENT: ("Record a measurement", "Measurement saved."),
    Kind.HISTORY_FLAG: ("Record a history flag", "History flag saved: it stays at the top of the "
                        "child's page, on your dashboard and on the social worker's tablet."),
    Kind.STATUS_CHANGE: ("Record a status change", "Status change saved; the status history "
                         "shows it from the day it starts."),
    Kind.SAFETY_PLAN: ("Record a safety plan", "Safety plan saved: it replaces the one before, "
                       "and each visit is asked about its conditions."),
}


def _single_entry(child, kind: Kind, form, **shown):
    """One entry on its own (a phone call from school, a household change heard of later);
    ``shown`` is more for the page to show."""
    heading, saved_message = SINGLE_ENTRY_PAGES[kind]
    page = dict(child=child, form=form, kind=kind.value, heading=heading, **shown)
    _offer_siblings(child, kind.value, form)
    if request.method == "GET":
        form.occurred_at.data = _now_local()
        return render_template("entries/new_entry.html", **page)
    answered = form.validate()  # first: validating a form clears the messages put at fields
    data = check_page(form, kind.value)
    if answered and data is not None:
        occurred_at = _occurred_at(form)
        images = media_pages.process_slots(pages.images_of(form))
        if occurred_at is not None and images is not None:
            try:
                entry = operations.add_entry(author=current_user, child=child, kind=kind,
                                             data=data, occurred_at=occurred_at)
            except operations.EntryRefused as refused:
                _audit_unseen(refused.unseen)
                show_errors(refused.errors, form, fallback=form.occurred_at)
            else:
                media_pages.attach_all(current_user, [entry], images)
                return _after_saving(child, saved_message)
    return _refused(child, kind, form, (render_template("entries/new_entry.html", **page),
                                        INVALID))


@bp.route("/observations/new", methods=["GET", "POST"])
@requires(Action.RECORD)
def new_observation(child):
    return _single_entry(child, Kind.OBSERVATION, pages.ObservationPage())


@bp.route("/voice/new", methods=["GET", "POST"])
@requires(Action.RECORD_VOICE)
def new_voice(child):
    return _single_entry(child, Kind.VOICE, pages.VoicePage())


@bp.route("/household/new", methods=["GET", "POST"])
@requires(Action.RECORD)
def new_household_change(child):
    return _single_entry(child, Kind.HOUSEHOLD_CHANGE, pages.HouseholdChangePage())


@bp.route("/moves/new", methods=["GET", "POST"])
@requires(Action.RECORD)
def new_move(child):
    return _single_entry(child, Kind.MOVE, pages.MovePage())


@bp.route("/escalations/new", methods=["GET", "POST"])
@requires(Action.RECORD)
def new_escalation(child):
    return _single_entry(child, Kind.ESCALATION, pages.EscalationPage())


@bp.route("/contacts/new", methods=["GET", "POST"])
@requires(Action.RECORD)
def new_contact(child):
    """A phone call, a letter, an appointment: engagement with the family beyond home visits."""
    return _single_entry(child, Kind.CONTACT, pages.ContactPage())


@bp.route("/measurements/new", methods=["GET", "POST"])
@requires(Action.RECORD)
def new_measurement(child):
    """Weight, height, head circumference: growth that falters is a sign of neglect."""
    return _single_entry(child, Kind.MEASUREMENT, pages.MeasurementPage())


@bp.route("/history-flags/new", methods=["GET", "POST"])
@requires(Action.RECORD_OVERSIGHT)
def new_history_flag(child):
    """Earlier proceedings, removals or plans of the child or a sibling: decided by the team's
    supervisor, who weighs the source."""
    return _single_entry(child, Kind.HISTORY_FLAG, pages.HistoryFlagPage())


@bp.route("/oversight/new", methods=["GET", "POST"])
@requires(Action.RECORD_OVERSIGHT)
def new_oversight(child):
    raised = supervision.raised_signals(child)
    form = pages.OversightPage(data=supervision.starting_answers(child, request.args, raised)
                               if request.method == "GET" else None)
    form.answers.choices = supervision.escalation_choices(child)
    form.decides_on.choices = supervision.incident_choices(child, current_user)
    form.acknowledges.choices = supervision.acknowledge_choices(raised, form.acknowledges.data)
    holding = supervision.holds_the_case(current_user, child, local_today())
    if request.method == "POST" and form.add_action.data:
        form.actions.append_entry()
        heading = SINGLE_ENTRY_PAGES[Kind.OVERSIGHT][0]
        return render_template("entries/new_entry.html", child=child, form=form,
                               kind="oversight", heading=heading, holding_the_case=holding)
    if request.method == "POST":
        form.actions.entries = [row for row in form.actions.entries if not pages.is_blank(row.form)]
    return _single_entry(child, Kind.OVERSIGHT, form, holding_the_case=holding)


@bp.route("/safety-plans/new", methods=["GET", "POST"])
@requires(Action.RECORD_SAFETY_PLAN)
def new_safety_plan(child):
    """A new safety plan replaces the current one; the page starts from the current one's
    conditions (keeping their ids, so their checks follow them) and people."""
    form = pages.SafetyPlanPage(data=_plan_answers(safety_plans.for_child(child))
                                if request.method == "GET" else None)
    if request.method == "POST" and form.row_added():
        heading = SINGLE_ENTRY_PAGES[Kind.SAFETY_PLAN][0]
        return render_template("entries/new_entry.html", child=child, form=form,
                               kind=Kind.SAFETY_PLAN.value, heading=heading)
    if request.method == "POST":
        form.settle_rows()
    return _single_entry(child, Kind.SAFETY_PLAN, form)


def _plan_answers(current) -> dict:
    """The current plan's answers, and a row for a new condition and a new person."""
    if current is None:
        return {"conditions": [{}], "people": [{}]}
    return {"conditions": [{"id": condition.id, "text": condition.text}
                           for condition in current.conditions] + [{}],
            "people": [*current.people, {}], "agreed_with": current.agreed_with}


@bp.route("/birth", methods=["GET", "POST"])
@requires(Action.RECORD_OVERSIGHT)
def record_birth(child):
    """The team manager records the birth: from then on the record is a born child's (visits
    see the child, the age shows). It happened at the start of its day, before that day's visits."""
    form = pages.BirthPage()
    page = dict(child=child, form=form, kind=Kind.BIRTH.value, heading="Record the birth")
    if request.method == "GET":
        return render_template("entries/new_entry.html", **page)
    answered = form.validate()  # first: validating a form clears the messages put at fields
    data = check_page(form, Kind.BIRTH.value)
    if answered and data is not None:
        try:
            # Never later than now: a date of birth in the future is refused by the birth's
            # own check, in the words of a date of birth.
            occurred_at = min(from_local(datetime.combine(form.date_of_birth.data, time.min)),
                              utcnow())
            operations.add_entry(author=current_user, child=child, kind=Kind.BIRTH, data=data,
                                 occurred_at=occurred_at)
        except operations.EntryRefused as refused:
            show_errors(refused.errors, form, fallback=form.date_of_birth)
        else:
            return _after_saving(child, f"The birth of {child.display_name} is recorded.")
    return _refused(child, Kind.BIRTH, form, (render_template("entries/new_entry.html", **page),
                                              INVALID))


@bp.route("/status/new", methods=["GET", "POST"])
@requires(Action.RECORD_OVERSIGHT)
def new_status_change(child):
    """A decision on the child's legal status, with its reasons; stepping down answers each
    thing to look at that is open (``children.decisions``)."""
    form = pages.StatusChangePage(data={"acknowledges": [
        {"signal": signal.id} for signal in signals.for_child(child)]}
        if request.method == "GET" else None)
    holding = supervision.holds_the_case(current_user, child, local_today())
    if request.method == "GET":
        return _single_entry(child, Kind.STATUS_CHANGE, form, holding_the_case=holding)
    form.drop_unanswered()
    return _single_entry(child, Kind.STATUS_CHANGE, form, holding_the_case=holding)


@bp.get("/entries/<uuid:entry_id>")
@requires(Action.READ_VOICE)
def entry_detail(child, entry_id):
    entry = access.entry_or_404(child, entry_id)
    version = history.version_of(entry)
    if showable.logged_problem(version):
        return render_template("chronology/unshowable.html", child=child, entry=entry)
    return render_template(
        "entries/detail.html", child=child, version=version,
        named=references.names(child, entry.data, *(fix.data for fix in version.amendments)),
        images=images_of([entry.id]).get(entry.id, []),
        may_amend=access.can_amend(current_user, child, entry),
        may_triangulate=_needs_triangulation(entry) and access.can_triangulate(current_user, child))


def _needs_triangulation(entry) -> bool:
    return entry.kind.value in REPORTABLE and entry.triangulation is not None


@bp.app_template_global("report_of")
def report_of_version(version) -> Report:
    """Reported information in words (where it came from, who, what), whatever its kind."""
    return report_of(version.entry.kind.value, version.data)


@bp.route("/entries/<uuid:entry_id>/amend", methods=["GET", "POST"])
@requires(Action.VIEW_CHILD)
def amend(child, entry_id):
    entry = access.entry_or_404(child, entry_id, check=access.can_amend)
    version = history.version_of(entry)
    questions = KINDS[entry.kind.value].questions
    form = pages.amend_page_for(entry.kind.value)(data={
        "correction": form_values(questions, version.data), "based_on": str(version.latest_id)})
    if request.method == "POST" and form.validate_on_submit():
        answers = {**answers_of(form.correction.form, questions, keep_empty=True),
                   "reason": form.reason.data, "withdrawn": form.withdrawn.data,
                   "based_on": form.based_on.data}
        clean, errors = validate_amendment(version, answers)
        if not errors:
            try:
                operations.amend_entry(author=current_user, version=version, data=clean)
            except operations.EntryRefused as refused:
                errors = refused.errors  # what the child decides: a weight at their age
            else:
                return _after_saving(child, "Correction saved; the original is kept in the "
                                            "history.")
        show_errors(errors, form.correction.form, form, fallback=form.reason)
    page = render_template("entries/amend.html", child=child, version=version, form=form)
    if request.method == "POST":
        return _refused(child, Kind.AMENDMENT, form, (page, INVALID))
    return page


@bp.route("/entries/<uuid:entry_id>/triangulate", methods=["GET", "POST"])
@requires(Action.VIEW_CHILD)
def triangulate(child, entry_id):
    entry = access.entry_or_404(
        child, entry_id, check=lambda user, child, entry: (
            _needs_triangulation(entry) and access.can_triangulate(user, child)))
    version = history.version_of(entry)
    form = pages.TriangulationPage(data={"based_on": str(version.latest_id)})
    if request.method == "POST" and form.validate_on_submit():
        clean, errors = validate_amendment(version, {
            **without_unasked(TRIANGULATION_CHECK,
                              answers_of(form, TRIANGULATION_CHECK, keep_empty=True)),
            "based_on": form.based_on.data})
        if not errors:
            operations.amend_entry(author=current_user, version=version, data=clean)
            return _after_saving(child, "Recorded. The original report is kept as it was.")
        show_errors(errors, form, fallback=form.reason)
    page = render_template("entries/triangulate.html", child=child, version=version, form=form)
    if request.method == "POST":
        return _refused(child, Kind.AMENDMENT, form, (page, INVALID))
    return page

