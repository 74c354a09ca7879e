"""Recording a home visit and single entries, online and without JavaScript (issue 3)."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from dailylife.clock import to_local, utcnow
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db


def local_input(moment: datetime) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def a_full_visit(**overrides) -> dict:
    form = {
        "occurred_at": local_input(utcnow() - timedelta(hours=2)),
        "type": "unannounced", "location": "family home", "present": "Mother\nAmy",
        "child_seen": "yes", "seen_alone": "yes", "seen_awake": "yes", "bedroom_seen": "yes",
        "duration_minutes": "50",
        "observations-0-category": "home_environment",
        "observations-0-text": "Fridge empty apart from a bottle of ketchup.",
        "observations-0-source": "observed",
        "observations-1-category": "education",
        "observations-1-text": "Mother says Amy goes to school every day.",
        "observations-1-source": "parent_reported", "observations-1-source_detail": "mother",
        "voice-0-words": "I had crisps for breakfast 🙂", "voice-0-mode": "spoken",
        "voice-0-share_with_team": "y",
        "voice-1-words": "Drew herself outside the house, alone.", "voice-1-mode": "drawing",
        "voice-1-share_with_team": "y",
        "analysis": "Amy is hungry in the mornings.",
        "what_would_change_my_view": "School confirming breakfast club attendance.",
    }
    form.update(overrides)
    return form


def entries_of(child):
    return db.session.scalars(sa.select(Entry).where(Entry.child_id == child.id)
                              .order_by(Entry.kind)).all()


def test_a_practitioner_records_a_full_visit_in_one_go(world, client_for):
    client = client_for(world.practitioner)
    response = client.post_form(f"/cases/{world.child.id}/visits/new", a_full_visit())
    assert response.status_code == 302, response.get_data(as_text=True)
    entries = entries_of(world.child)
    kinds = sorted(entry.kind.value for entry in entries)
    assert kinds == ["observation", "observation", "visit", "voice", "voice"]
    visit = next(entry for entry in entries if entry.kind is Kind.VISIT)
    assert all(entry.visit_id == visit.id for entry in entries if entry is not visit)
    assert visit.data["present"] == ["Mother", "Amy"]
    assert visit.data["seen_alone"] is True
    reported = next(entry for entry in entries if entry.source == "parent_reported")
    assert reported.triangulation == "unverified"
    assert any(entry.data.get("words") == "I had crisps for breakfast 🙂" for entry in entries)
