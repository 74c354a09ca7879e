"""The child's voice pages: what the child said, a day in the life, and child mode."""

from flask import Blueprint, current_app, g, render_template, request, url_for
from flask_login import current_user

from dailylife import as_at, audit
from dailylife.access import Action, entry_reader, requires
from dailylife.chronology import keyset, showable
from dailylife.chronology.rows import rows_for
from dailylife.clock import local_today, to_local, utcnow
from dailylife.entries.kinds import FEELINGS, LABELS, THREE_HOUSES, voice_parts
from dailylife.entries.models import Entry, Kind
from dailylife.media.operations import images_of
from dailylife.voice import day, houses
from dailylife.web import NO_LOCAL_TIME

bp = Blueprint("voice", __name__, url_prefix="/cases/<child_id>")

#: The feelings scale as faces: the mouth of each (an SVG path; drawn, so no emoji font is needed),
#: and the drawing's colours (painted by the stylesheet, in this order).
FACES = {"very_sad": "M14 36 Q24 25 34 36", "sad": "M15 34 Q24 29 33 34", "okay": "M15 32 H33",
         "happy": "M15 30 Q24 37 33 30", "very_happy": "M13 28 Q24 43 35 28 Z"}
COLOURS = ["Black", "Red", "Blue", "Green", "Yellow", "Purple"]


@bp.app_template_filter("days_ago")
def days_ago(moment) -> str:
    """How long ago, as a prompt says it: "today", "yesterday", "12 days ago" (before the day
    the page shows the record on, ``as_at``)."""
    try:
        days = (as_at.today() - to_local(moment).date()).days
    except (OverflowError, ValueError):
        return NO_LOCAL_TIME
    return {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")


@bp.app_template_global("child_said")
def child_said(version) -> list[tuple[str | None, str]] | str:
    """Everything the child gave in one voice entry as (label, answer) parts: words, houses,
    feeling (words may be empty); for an entry that cannot be shown, the sentence saying so."""
    if showable.logged_problem(version):
        return showable.UNSHOWABLE.format(id=version.entry.id)
    return voice_parts(version.data)


@bp.get("/voice")
@requires(Action.READ_VOICE)
def said(child):
    """Everything the child said and showed, newest first, with their three houses over time:
    the advocate's view of the record, and the team's "what the child said"."""
    try:
        position = keyset.Position.from_args(request.args)
    except ValueError as error:
        return render_template("voice/said.html", child=child, problem=str(error)), 400
    page = keyset.fetch_page(child.id, [Entry.kind == Kind.VOICE], descending=True,
                             position=position, size=current_app.config["CHRONOLOGY_PAGE_SIZE"])
    audit.record("view_voice", child_id=child.id)
    rows = rows_for(child, page.entries, entry_reader(current_user, child))
    return render_template(
        "voice/said.html", child=child, labels=LABELS,
        houses=houses.over_time(child, g.child_actions), rows=rows,
        images=images_of([row.entry.id for row in rows if not row.sealed]),
        links=_page_links(child, page, position))


def _page_links(child, page: keyset.Page, position: keyset.Position) -> dict[str, str | None]:
    def link(**cursor):
        return url_for("voice.said", child_id=child.id, **cursor)

    return {"next": link(after=str(page.next)) if page.next else None,
            "prev": link(before=str(page.prev)) if page.prev else None,
            "first": link() if not position.at_start else None}


@bp.get("/day")
@requires(Action.READ_RECORD)
def day_in_the_life(child):
    """What the record says about each part of the child's day, and where it says nothing."""
    period = request.args.get("months", day.DEFAULT_PERIOD)
    page = dict(child=child, periods=day.PERIODS, today=local_today())
    if period not in day.PERIODS:
        problem = f"Choose how far back to look: {', '.join(day.PERIODS)} months."
        return render_template("voice/day.html", period=day.DEFAULT_PERIOD, problem=problem,
                               **page), 400
    audit.record("view_day_in_the_life", child_id=child.id, months=period)
    now = utcnow()
    return render_template("voice/day.html", period=period, now=now, **page,
                           day=day.day_in_the_life(child, entry_reader(current_user, child),
                                                   period, now))


@bp.get("/child-mode")
@requires(Action.RECORD_VOICE)
def child_mode(child):
    """The tablet handed to the child. The page holds nothing of the record (it is the same page
    the service worker keeps for offline use); what the child makes goes to the outbox."""
    audit.record("child_mode", child_id=child.id)
    return child_mode_page()


def child_mode_page():
    """Also served as the offline shell (``pwa``): no child, no user, no token in it."""
    return render_template("voice/child_mode.html", shell=True, feelings=FEELINGS, faces=FACES,
                           houses=THREE_HOUSES, colours=COLOURS)
