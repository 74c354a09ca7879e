"""Babies (issue 18, item 9): under DAILYLIFE_BABY_MONTHS a child is not expected to be seen
alone, must be seen awake, and is heard through what the worker sees of their behaviour and
interactions."""

from datetime import timedelta

from dailylife.clock import utcnow

from helpers import amend, born_months_ago, record, signals_now


def ago(days: float):
    return utcnow() - timedelta(days=days)


def visit(author, child, days: float, *, awake: bool | None, alone: bool = False):
    answers = {"type": "planned", "child_seen": True, "seen_alone": alone}
    if not alone:
        answers["seen_alone_reason"] = "Mother held the baby throughout."
    if awake is not None:
        answers["seen_awake"] = awake
    return record(author, child, "visit", ago(days), **answers)


def a_baby(world, make_child, allocate, months: int = 3, days: int = 0):
    child = make_child(world.team_a, name="Bea Baby", date_of_birth=born_months_ago(months, days))
    allocate(world.practitioner, child)
    return child


def test_a_baby_seen_asleep_at_the_last_two_visits_is_not_seen_awake_until_seen_awake(
        world, make_child, allocate):
    baby = a_baby(world, make_child, allocate)
    visit(world.practitioner, baby, 10, awake=True)
    first = visit(world.practitioner, baby, 6, awake=False)
    assert "not_seen_awake" not in signals_now(baby), "one visit asleep is below the threshold"
    second = visit(world.practitioner, baby, 3, awake=False)
    raised = signals_now(baby)["not_seen_awake"]
    assert [item.id for item in raised.evidence] == [second.id, first.id]
    assert "Bea" in raised.detail
    amend(world.practitioner, second, seen_awake=True)
    assert "not_seen_awake" not in signals_now(baby), "a correction is read as corrected"
    visit(world.practitioner, baby, 2, awake=False)
    assert "not_seen_awake" not in signals_now(baby), "the corrected visit is one of the last two"
    visit(world.practitioner, baby, 1.5, awake=False)
    assert "not_seen_awake" in signals_now(baby)
    visit(world.practitioner, baby, 1, awake=True)
    assert "not_seen_awake" not in signals_now(baby)


def test_a_visit_that_does_not_say_whether_the_baby_was_awake_does_not_count_as_asleep(
        world, make_child, allocate):
    baby = a_baby(world, make_child, allocate)
    visit(world.practitioner, baby, 6, awake=False)
    visit(world.practitioner, baby, 3, awake=None)
    assert "not_seen_awake" not in signals_now(baby)


def test_a_baby_is_never_not_seen_alone_and_a_child_of_twelve_months_is(
        world, make_child, allocate):
    almost_one = a_baby(world, make_child, allocate, months=11, days=29)
    one = a_baby(world, make_child, allocate, months=12)
    for child in (almost_one, one):
        for days in (6, 3):
            visit(world.practitioner, child, days, awake=False)
    assert {"not_seen_awake"} <= set(signals_now(almost_one))
    assert "not_seen_alone" not in signals_now(almost_one)
    assert "not_seen_alone" in signals_now(one), "at twelve months the baby rule stops"
    assert "not_seen_awake" not in signals_now(one)


def test_the_age_of_a_baby_is_configured(app, world, make_child, allocate):
    app.config["BABY_MONTHS"] = 3
    child = a_baby(world, make_child, allocate, months=4)
    for days in (6, 3):
        visit(world.practitioner, child, days, awake=False)
    assert "not_seen_awake" not in signals_now(child)
    assert "not_seen_alone" in signals_now(child)


def test_what_the_worker_saw_of_a_babys_behaviour_is_the_babys_voice(world, make_child, allocate):
    baby = a_baby(world, make_child, allocate)
    for days in (20, 15, 10):
        visit(world.practitioner, baby, days, awake=True)
    assert "voice_missing" in signals_now(baby)
    record(world.practitioner, baby, "observation", ago(25), category="interactions",
           text="Bea turned to her mother's voice and settled when held.", source="observed")
    assert "voice_missing" in signals_now(baby), "before the third visit back it does not count"
    record(world.practitioner, baby, "observation", ago(4), category="behaviour",
           text="Mother says Bea cries all evening.", source="parent_reported")
    assert "voice_missing" in signals_now(baby), "what a parent reports is not the baby's voice"
    record(world.practitioner, baby, "observation", ago(4), category="health",
           text="Nappy rash.", source="observed")
    assert "voice_missing" in signals_now(baby), "nor is every observation"
    seen = record(world.practitioner, baby, "observation", ago(4), category="behaviour",
                  text="Bea smiled and reached for the toy I held out.", source="observed")
    assert "voice_missing" not in signals_now(baby)
    amend(world.practitioner, seen, withdrawn=True)
    assert "voice_missing" in signals_now(baby), "a withdrawn observation is left out"


def test_an_older_childs_observed_behaviour_is_not_their_voice(world):
    child = world.child
    for days in (20, 15, 10):
        visit(world.practitioner, child, days, awake=True, alone=True)
    record(world.practitioner, child, "observation", ago(4), category="behaviour",
           text="Amy played quietly.", source="observed")
    assert "voice_missing" in signals_now(child)


def test_the_dashboard_counts_babies_not_seen_awake(world, make_child, allocate, client_for):
    baby = a_baby(world, make_child, allocate)
    for days in (6, 3):
        visit(world.practitioner, baby, days, awake=False)
    sara = client_for(world.supervisor)
    html = sara.get("/team").get_data(as_text=True)
    assert 'data-count="not_seen_awake"' in html
    filtered = sara.get("/team?signal=not_seen_awake").get_data(as_text=True)
    assert f'id="child-{baby.id}"' in filtered and 'data-signal="not_seen_awake"' in filtered
    assert f'id="child-{world.child.id}"' not in filtered
    (brief,) = [case for case in client_for(world.practitioner).get("/api/v1/cases")
                .get_json()["cases"] if case["id"] == str(baby.id)]
    assert "not_seen_awake" in brief["signals"]
