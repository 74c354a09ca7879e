"""The chronology page and its CSV export: each view is audited; the request commits at the edge."""

from flask import Blueprint, abort, current_app, g, jsonify, render_template, request, url_for
from flask_login import current_user

from dailylife import as_at, audit
from dailylife.access import Action, entry_reader, requires
from dailylife.chronology import confidential, export, filters, keyset, pdf, transfer
from dailylife.chronology.rows import rows_for
from dailylife.clock import local_today
from dailylife.entries.kinds import LABELS
from dailylife.media.operations import images_of

bp = Blueprint("chronology", __name__)


@bp.get("/cases/<child_id>/chronology")
@requires(Action.READ_RECORD)
def chronology(child):
    _shown_as_at(child)
    form = filters.filter_form(child, request.args)
    problems = _problems(form)
    try:
        position = keyset.Position.from_args(request.args)
    except ValueError as error:
        problems.append(str(error))
    if problems:
        return _render(child, form, problems=problems), 400
    page = keyset.fetch_page(child.id, filters.conditions(form, child.id, g.child_actions),
                             descending=filters.descending(form), position=position,
                             size=current_app.config["CHRONOLOGY_PAGE_SIZE"])
    audit.record("view_chronology", child_id=child.id, filters=filters.applied(form),
                 **as_at.link_args())
    rows = rows_for(child, page.entries, entry_reader(current_user, child))
    return _render(child, form, page=page, position=position, rows=rows,
                   images=images_of([row.entry.id for row in rows if not row.sealed]))


@bp.get("/cases/<child_id>/chronology.csv")
@requires(Action.EXPORT)
def export_csv(child):
    _shown_as_at(child)
    form, choice = _export_forms(child, "csv")
    return export.csv_response(child, filters.conditions(form, child.id,
                                                         choice.reading(g.child_actions)),
                               descending=filters.descending(form),
                               rows_of=choice.row_maker(current_user, child))


@bp.get("/cases/<child_id>/chronology.pdf")
@requires(Action.EXPORT)
def export_pdf(child):
    _shown_as_at(child)
    form, choice = _export_forms(child, "pdf")
    rows = pdf.all_rows(child, filters.conditions(form, child.id, choice.reading(g.child_actions)),
                        descending=filters.descending(form),
                        rows_of=choice.row_maker(current_user, child))
    html = _render(child, form, page=keyset.Page([], None, None), rows=rows,
                   exported=pdf.export_note(form, filters.applied(form), current_user,
                                            confidential=choice.note(rows)))
    return pdf.pdf_response(child, html)


@bp.get("/cases/<child_id>/transfer.pdf")
@requires(Action.EXPORT)
def transfer_pdf(child):
    """The transfer summary for a receiving authority, as a PDF marked on every page."""
    audit.record("export", child_id=child.id, format="pdf", document="transfer_summary")
    html = render_template("chronology/transfer.html", child=child, today=local_today(),
                           summary=transfer.gather(current_user, child, g.child_actions))
    return pdf.pdf_response(child, html, "transfer summary")


@bp.get("/cases/<child_id>/transfer.json")
@requires(Action.EXPORT)
def transfer_json(child):
    """The transfer summary as data, for a receiving authority's own system."""
    audit.record("export", child_id=child.id, format="json", document="transfer_summary")
    return jsonify(transfer.as_json(transfer.gather(current_user, child, g.child_actions),
                                    current_app.config["PROTECTIVE_MARKING"]))


def _export_forms(child, file_format: str):
    """The filters and the choice on confidential notes of an export: a bad value is a 400; good
    ones are audited with the export."""
    form = filters.filter_form(child, request.args)
    choice = confidential.choice_form(request.args, g.child_actions)
    problems = _problems(form) + _problems(choice)
    if problems:
        abort(400, description=" ".join(problems))
    audit.record("export", child_id=child.id, format=file_format, filters=filters.applied(form),
                 **choice.audited(), **as_at.link_args())
    return form, choice


def _shown_as_at(child) -> None:
    """The chronology and its exports as the record stood at the end of ``as_at``, if asked for
    (every query on entries then leaves out those received later: ``dailylife.as_at``)."""
    as_at.begin(Action.READ_AS_AT in g.child_actions, child)


def _problems(form) -> list[str]:
    """Each invalid filter as a sentence that names the field, for the top of the page."""
    if form.validate():
        return []
    return [f"{form[name].label.text}: {' '.join(messages)}"
            for name, messages in form.errors.items()]


def _render(child, form, **page):
    return render_template("chronology/chronology.html", child=child, form=form, labels=LABELS,
                           today=local_today(), links=_links(child, form, page),
                           filtered=bool(set(filters.applied(form)) - {"order"}),
                           can_export=Action.EXPORT in g.child_actions,
                           export_filters={**filters.applied(form), **as_at.link_args()},
                           choice=confidential.choice_form(None, g.child_actions), **page)


def _links(child, form, page: dict) -> dict[str, str | None]:
    """Page links keep the filters (bookmarks); pages carry cursors, never offsets."""
    args = {**(filters.applied(form) if not form.errors else {}), **as_at.link_args()}

    def link(**cursor):
        return url_for("chronology.chronology", child_id=child.id, **args, **cursor)

    current = page.get("page")
    position = page.get("position")
    return {
        "next": link(after=str(current.next)) if current and current.next else None,
        "prev": link(before=str(current.prev)) if current and current.prev else None,
        "first": link() if position and not position.at_start else None,
        #: The export form's actions: the form itself carries the filters.
        "csv": url_for("chronology.export_csv", child_id=child.id),
        "pdf": url_for("chronology.export_pdf", child_id=child.id),
        "clear": url_for("chronology.chronology", child_id=child.id, **as_at.link_args()),
        #: Each row's entry page is this plus its id: one string join, not a url_for per row.
        "entries": f"{request.script_root}/cases/{child.id}/entries/",
    }
