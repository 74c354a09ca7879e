"""Growth (issue 18, item 7): a measurement kind (weight, height, head circumference, the weight
centile, who measured), recorded from the child's page and through sync; impossible values
refused; ``growth_faltering`` when the weight falls between the last two weighings, or the
weight centile falls across two spaces between the centile lines."""

import re
from datetime import timedelta

import sqlalchemy as sa

from dailylife.clock import to_local, utcnow
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db

from helpers import amend, born_months_ago, days_ago, record, signals_now, synced


def measure(author, child, days: int, **measures):
    return record(author, child, "measurement", days_ago(days), measured_by="health visitor",
                  **measures)


def a_baby(world, make_child, allocate, months: int = 4):
    child = make_child(world.team_a, name="Bea Baby", date_of_birth=born_months_ago(months))
    allocate(world.practitioner, child)
    return child


def measurements() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Entry).where(
        Entry.kind == Kind.MEASUREMENT))


def test_a_weight_lower_than_the_last_one_is_growth_faltering_until_the_next_is_higher(
        world, make_child, allocate):
    baby = a_baby(world, make_child, allocate)
    measure(world.practitioner, baby, 60, weight_kg=5.1)
    earlier = measure(world.practitioner, baby, 30, weight_kg=5.9, height_cm=60)
    measure(world.practitioner, baby, 20, height_cm=61.5)
    assert "growth_faltering" not in signals_now(baby)
    lighter = measure(world.practitioner, baby, 10, weight_kg=5.75)
    raised = signals_now(baby)["growth_faltering"]
    assert [item.id for item in raised.evidence] == [lighter.id, earlier.id]
    assert "Weight fell from 5.9 kg" in raised.detail and "to 5.75 kg" in raised.detail
    amend(world.practitioner, lighter, weight_kg=5.95, reason="Misread the scales.")
    assert "growth_faltering" not in signals_now(baby), "a correction is read as corrected"
    again = measure(world.practitioner, baby, 5, weight_kg=5.8)
    assert "growth_faltering" in signals_now(baby)
    amend(world.practitioner, again, withdrawn=True)
    assert "growth_faltering" not in signals_now(baby), "a withdrawn weighing is left out"
    measure(world.practitioner, baby, 2, weight_kg=5.8)
    measure(world.practitioner, baby, 1, weight_kg=6.0)
    assert "growth_faltering" not in signals_now(baby), "the newest two rose"


def test_a_centile_falling_across_two_spaces_is_growth_faltering_and_one_space_is_not(
        world, make_child, allocate):
    baby = a_baby(world, make_child, allocate)
    measure(world.practitioner, baby, 40, weight_kg=5.0, weight_centile="50")
    measure(world.practitioner, baby, 20, weight_kg=5.6, weight_centile="25")
    assert "growth_faltering" not in signals_now(baby), "50th to 25th is one space"
    measure(world.practitioner, baby, 15, height_cm=62)
    lower = measure(world.practitioner, baby, 10, weight_kg=5.9, weight_centile="2")
    raised = signals_now(baby)["growth_faltering"]
    assert "from the 25th centile" in raised.detail and "to the 2nd centile" in raised.detail
    assert lower.id in [item.id for item in raised.evidence]
    assert "Weight fell" not in raised.detail, "the weight itself rose"
    measure(world.practitioner, baby, 5, weight_kg=6.4, weight_centile="9")
    assert "growth_faltering" not in signals_now(baby)


def test_how_many_centile_spaces_is_configured(app, world, make_child, allocate):
    app.config["GROWTH_CENTILE_SPACES"] = 1
    baby = a_baby(world, make_child, allocate)
    measure(world.practitioner, baby, 40, weight_kg=5.0, weight_centile="50")
    measure(world.practitioner, baby, 20, weight_kg=5.6, weight_centile="25")
    assert "growth_faltering" in signals_now(baby)


def test_the_page_records_a_measurement_and_the_dashboard_counts_weight_falling(
        world, make_child, allocate, client_for):
    baby = a_baby(world, make_child, allocate)
    measure(world.practitioner, baby, 30, weight_kg=6.2)
    pat = client_for(world.practitioner)
    child_page = pat.get(f"/cases/{baby.id}").get_data(as_text=True)
    assert f'href="/cases/{baby.id}/measurements/new"' in child_page
    when = to_local(utcnow() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    saved = pat.post_form(f"/cases/{baby.id}/measurements/new", {
        "occurred_at": when, "weight_kg": "5.85", "weight_centile": "9",
        "head_circumference_cm": "41.5", "measured_by": "health visitor"})
    assert saved.status_code == 302
    chronology = pat.get(f"/cases/{baby.id}/chronology").get_data(as_text=True)
    assert "weight 5.85 kg (9th centile), head circumference 41.5 cm. By health visitor." in (
        chronology)
    sara = client_for(world.supervisor)
    html = sara.get("/team").get_data(as_text=True)
    assert re.search(r'data-count="growth_faltering"[^>]*>\s*<span[^>]*>1</span>', html)
    assert 'data-signal="growth_faltering"' in sara.get(f"/cases/{baby.id}").get_data(
        as_text=True)


def test_the_page_refuses_a_negative_weight_a_90_kg_baby_and_nothing_measured(
        world, make_child, allocate, client_for):
    baby = a_baby(world, make_child, allocate)
    pat = client_for(world.practitioner)
    url = f"/cases/{baby.id}/measurements/new"
    when = to_local(utcnow() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    for answers, words in (
            ({"weight_kg": "-3"}, "Give the weight in kilograms"),
            ({"weight_kg": "0"}, "Give the weight in kilograms"),
            ({"weight_kg": "heavy"}, "Must be a number"),
            ({"weight_kg": "90"}, "90 kg is not possible at that age"),
            ({"measured_by": "health visitor"}, "Give at least one measure")):
        response = pat.post_form(url, {"occurred_at": when, **answers})
        assert response.status_code == 400, answers
        assert words in response.get_data(as_text=True), answers
    assert measurements() == 0


def test_sync_refuses_impossible_measurements_with_a_message_and_keeps_good_ones(
        world, make_child, allocate, client_for):
    baby = a_baby(world, make_child, allocate)
    pat = client_for(world.practitioner)
    for data, words in (({"weight_kg": -1}, "Give the weight in kilograms"),
                        ({"weight_kg": 90}, "90 kg is not possible at that age"),
                        ({"weight_kg": "6.1"}, "Must be a number"),
                        ({"measured_by": "GP"}, "Give at least one measure"),
                        ({"weight_kg": 6.1, "weight_centile": "60"}, "not one of the options"),
                        ({"height_cm": 61, "weight_centile": "50"}, "only when a weight is given")):
        result = synced(pat, baby, "measurement", data)
        assert result["status"] == "rejected", data
        assert words in " ".join(" ".join(found) for found in result["errors"].values()), data
    assert measurements() == 0
    kept = synced(pat, baby, "measurement", {"weight_kg": 6.1, "height_cm": 61.2,
                                             "weight_centile": "25", "measured_by": "GP"})
    assert kept["status"] == "created"
    assert synced(pat, world.child, "measurement", {"weight_kg": 23.4})["status"] == "created"


def test_a_weight_corrected_to_one_impossible_at_that_age_is_refused(
        world, make_child, allocate, client_for):
    baby = a_baby(world, make_child, allocate)
    weighed = measure(world.practitioner, baby, 3, weight_kg=6.0)
    pat = client_for(world.practitioner)
    response = pat.post_form(f"/cases/{baby.id}/entries/{weighed.id}/amend", {
        "reason": "Typo.", "based_on": str(weighed.id), "correction-weight_kg": "60"})
    assert response.status_code == 400
    assert "not possible at that age" in response.get_data(as_text=True)


def test_a_measurement_before_birth_is_refused(world, make_child, allocate, client_for):
    baby = a_baby(world, make_child, allocate, months=1)
    result = synced(client_for(world.practitioner), baby, "measurement", {"weight_kg": 3.4},
                    at=days_ago(40))
    assert result["status"] == "rejected"
    assert "not born yet on the day measured" in " ".join(result["errors"]["weight_kg"])
    assert measurements() == 0


def test_an_advocate_never_sees_a_measurement(world, client_for):
    weighed = measure(world.practitioner, world.child, 3, weight_kg=23.0)
    ada = client_for(world.advocate)
    assert ada.get(f"/cases/{world.child.id}/entries/{weighed.id}").status_code == 404
    assert "23 kg" not in ada.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "measurements/new" not in ada.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert ada.get(f"/cases/{world.child.id}/measurements/new").status_code == 404
    refused = synced(ada, world.child, "measurement", {"weight_kg": 23.0})
    assert refused["status"] == "forbidden"
