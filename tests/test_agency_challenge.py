"""Other agencies' challenges (issue 18, item 8): an escalation raised by another agency names the
agency and the professional, and raises ``agency_challenge_open`` (instead of
``escalation_open``) until an oversight answers it."""

import re
import uuid
from datetime import timedelta

import sqlalchemy as sa

from dailylife.clock import to_local, utcnow
from dailylife.entries.models import Entry, Kind
from dailylife.entries.payload import validate
from dailylife.extensions import db
from dailylife.signals import compute
from dailylife.signals.catalogue import ACKNOWLEDGEABLE

from helpers import amend, record as write

NO_AGENCY = "Say which agency raised the challenge, for example “Greenfield Primary School”."
NO_PROFESSIONAL = ("Name the professional who raised the challenge, and their role, for example "
                   "“Sam Jones, designated safeguarding lead”.")
CHALLENGE = dict(reason="The school disagrees with stepping down: Amy comes in hungry.",
                 need="A response in writing.", from_agency=True,
                 agency="Greenfield Primary School", professional="Sam Jones, DSL")


def ago(days: float):
    return utcnow() - timedelta(days=days)


def local_input(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def signals(child, reader=None) -> dict:
    db.session.expire_all()
    return {signal.id: signal for signal in compute.for_child(child, reader=reader)}


def test_another_agencys_challenge_stays_open_until_an_oversight_answers_it(world):
    child = world.child
    challenge = write(world.practitioner, child, "escalation", ago(1), **CHALLENGE)
    found = signals(child)
    assert "escalation_open" not in found, "counted once, as the agency's challenge"
    raised = found["agency_challenge_open"]
    assert [item.id for item in raised.evidence] == [challenge.id]
    assert raised.urgency.name == "HIGH"
    assert "Sam Jones, DSL of Greenfield Primary School" in raised.detail
    write(world.supervisor, child, "oversight", ago(0.5), summary="Not about the challenge.")
    assert "agency_challenge_open" in signals(child)
    write(world.supervisor, child, "oversight", ago(0.1), summary="Replied to the school.",
          answers=str(challenge.id))
    assert "agency_challenge_open" not in signals(child)


def test_the_teams_own_escalation_still_raises_escalation_open_beside_a_challenge(world):
    child = world.child
    ours = write(world.practitioner, child, "escalation", ago(2), reason="Dean is back.")
    theirs = write(world.practitioner, child, "escalation", ago(1), **CHALLENGE)
    found = signals(child)
    assert [item.id for item in found["escalation_open"].evidence] == [ours.id]
    assert [item.id for item in found["agency_challenge_open"].evidence] == [theirs.id]


def test_a_withdrawn_challenge_raises_nothing(world):
    challenge = write(world.practitioner, world.child, "escalation", ago(1), **CHALLENGE)
    amend(world.practitioner, challenge, withdrawn=True)
    assert "agency_challenge_open" not in signals(world.child)


def test_a_challenge_without_the_agency_or_the_professional_is_refused():
    _, errors = validate("escalation", {"reason": "x", "from_agency": True})
    assert errors == {"agency": [NO_AGENCY], "professional": [NO_PROFESSIONAL]}
    _, errors = validate("escalation", {"reason": "x", "agency": "School"})
    assert list(errors) == ["agency"], "an agency is asked only of another agency's challenge"


def test_a_challenge_recorded_on_the_page_and_answered_from_the_childs_page(world, client_for):
    child, pat, sara = world.child, client_for(world.practitioner), client_for(world.supervisor)
    url = f"/cases/{child.id}/escalations/new"
    page = pat.get(url).get_data(as_text=True)
    assert 'name="from_agency"' in page and 'name="agency"' in page
    refused = pat.post_form(url, {"occurred_at": local_input(ago(0.1)), "reason": "x",
                                  "from_agency": "y", "agency": "Greenfield Primary School"})
    assert refused.status_code == 400 and NO_PROFESSIONAL in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).where(
        Entry.kind == Kind.ESCALATION)) == 0, "nothing saved"
    saved = pat.post_form(url, {"occurred_at": local_input(ago(0.1)), "reason": CHALLENGE["reason"],
                                "from_agency": "y", "agency": CHALLENGE["agency"],
                                "professional": CHALLENGE["professional"]})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    challenge = db.session.scalar(sa.select(Entry).where(Entry.kind == Kind.ESCALATION))
    case = sara.get(f"/cases/{child.id}").get_data(as_text=True)
    assert 'data-signal="agency_challenge_open"' in case
    answer = f"/cases/{child.id}/oversight/new?answers={challenge.id}"
    assert answer in case
    assert re.search(rf'<option selected value="{challenge.id}">',
                     sara.get(answer).get_data(as_text=True))
    response = sara.post_form(f"/cases/{child.id}/oversight/new", {
        "occurred_at": local_input(ago(0)), "summary": "Wrote to the school.",
        "answers": str(challenge.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "agency_challenge_open" not in signals(child)


def test_a_challenge_without_its_agency_is_rejected_by_sync(world, client_for):
    item = {"id": str(uuid.uuid4()), "kind": "escalation", "child_id": str(world.child.id),
            "occurred_at": ago(0.01).isoformat(), "recorded_at": ago(0.01).isoformat(),
            "visit_id": None, "amends_id": None,
            "data": {"reason": "x", "from_agency": True, "professional": "Sam Jones"}}
    response = client_for(world.practitioner).post_json(
        "/api/v1/sync", {"device_id": "tablet", "items": [item]})
    (result,) = response.get_json()["results"]
    assert result["status"] == "rejected" and result["errors"] == {"agency": [NO_AGENCY]}


def test_the_dashboard_counts_it_the_brief_lists_it_the_advocate_never_sees_it(
        world, client_for):
    assert "agency_challenge_open" in ACKNOWLEDGEABLE
    write(world.practitioner, world.child, "escalation", ago(1), **CHALLENGE)
    board = client_for(world.supervisor).get("/team").get_data(as_text=True)
    count = re.search(r'<a [^>]*data-count="agency_challenge_open"[^>]*>\s*<span[^>]*>(\d+)</span>',
                      board)
    assert count and count.group(1) == "1"
    for user in (world.practitioner, world.supervisor):
        (brief,) = [case for case in client_for(user).get("/api/v1/cases").get_json()["cases"]
                    if case["id"] == str(world.child.id)]
        assert "agency_challenge_open" in brief["signals"]
    advocate = client_for(world.advocate)
    assert "agency_challenge_open" not in advocate.get(f"/cases/{world.child.id}").get_data(
        as_text=True)


def test_acknowledging_a_challenge_shows_the_decision_with_it(world):
    write(world.practitioner, world.child, "escalation", ago(1), **CHALLENGE)
    write(world.supervisor, world.child, "oversight", ago(0.5), summary="Read it.",
          decision="Meeting the school on Friday.", acknowledges=["agency_challenge_open"])
    raised = signals(world.child)["agency_challenge_open"]
    assert raised.acknowledgement.data["decision"] == "Meeting the school on Friday."


def test_the_dashboard_lists_a_challenge_with_the_escalations_waiting_and_its_answer_button(
        world, client_for):
    challenge = write(world.practitioner, world.child, "escalation", ago(1), **CHALLENGE)
    board = client_for(world.supervisor).get("/team").get_data(as_text=True)
    waiting = board.split('id="escalations-heading"')[1].split("</section>")[0]
    assert 'data-signal="agency_challenge_open"' in waiting
    assert "Sam Jones, DSL of Greenfield Primary School" in waiting
    assert f"/oversight/new?answers={challenge.id}" in waiting
    assert "No escalation is waiting" not in waiting
