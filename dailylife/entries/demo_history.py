"""Believable, clearly fictional case histories for the demo children."""

import random
import uuid
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from dailylife.clock import from_local, utcnow
from dailylife.entries import operations
from dailylife.entries.history import version_of
from dailylife.entries.models import Entry, Kind
from dailylife.entries.operations import VisitParts
from dailylife.entries.payload import validate, validate_amendment
from dailylife.extensions import db
from dailylife.people.models import Role

OBSERVATIONS = [
    dict(category="presentation", source="observed", time_of_day="after_school",
         text="{name} was dressed in clean clothes suitable for the weather; hair brushed."),
    dict(category="home_environment", source="observed",
         text="Kitchen tidy. Fridge had milk, bread, fruit and cooked rice for tea."),
    dict(category="behaviour", source="observed", time_of_day="after_school",
         text="{name} played with building blocks on the floor and showed me a tower, smiling."),
    dict(category="interactions", source="observed",
         text="Mother spoke warmly to {name} and helped with a snack without being asked."),
    dict(category="education", source="parent_reported", source_detail="mother",
         text="Mother says {name} has been at school every day this term."),
    dict(category="health", source="other_agency", source_detail="health visitor",
         text="Health visitor reports {name}'s weight is now back on the expected line."),
    dict(category="daily_routine", source="parent_reported", source_detail="mother",
         time_of_day="night", text="Mother says bedtime is 7:30 with a story most nights."),
    dict(category="interactions", source="observed", significant=True,
         impact="{name} may be frightened of the new partner.",
         action_taken="Discussed with team manager the same day; joint visit planned.",
         text="{name} went quiet and moved away when mother's new partner came into the room."),
]
VOICES = [
    dict(words="I like it when we go to the park and Mum pushes me on the swing.", mode="spoken",
         time_of_day="weekend", context="Talking while drawing at the kitchen table.",
         wishes_feelings="Wants more time with Mum at weekends."),
    dict(words="Drew a house with everyone inside and a big sun; left the new partner out.",
         mode="drawing", context="Asked to draw who lives at home.",
         wishes_feelings="Did not want to talk about the partner."),
    dict(words="Sometimes I'm hungry at school before lunch.", mode="spoken", time_of_day="day",
         context="Seen alone in the bedroom.", wishes_feelings="Would like breakfast at home."),
]


#: The advocate's notes for the first child: three houses twice (a worry that changes), and what
#: the child did not agree to share with the social work team (a confidential advocate note).
ADVOCATE_NOTES = [
    (120, dict(mode="drawing", worries="Shouting at night when Dean is there.",
               good_things="My cat Pepper. Swimming on Saturdays.", dreams="A room of my own.",
               drawing_about="Three houses; the worries house has a dark window.",
               context="At school, in the quiet room.")),
    (30, dict(mode="drawing", worries="Being late for school.",
              good_things="My cat Pepper. My new friend Ava.", dreams="A room of my own.",
              context="At school, in the quiet room.")),
    (10, dict(words="Please don't tell my social worker, but I go to bed hungry some nights.",
              mode="spoken", time_of_day="night", share_with_team=False, feeling="sad",
              context="At school, after a lesson about food.")),
]


def write_histories(people: dict, children: list, today) -> None:
    """Six months of visits for each child, with the mix a real record has."""
    rng = random.Random(2026)
    practitioner, supervisor = people[Role.PRACTITIONER], people[Role.SUPERVISOR]
    for number, child in enumerate(children):
        start = today - timedelta(days=180 - number * 7)
        for visit_number in range(8):
            day = start + timedelta(days=visit_number * 21 + rng.randint(0, 4))
            _visit(practitioner, child, _at(day, 15 + visit_number % 3),
                   no_access=visit_number in (3, 6) and number % 2 == 0,
                   alone=visit_number % 3 != 1, rng=rng)
            if visit_number % 3 == 2:
                _oversight(supervisor, child, _at(day + timedelta(days=2), 11),
                           reviewed=visit_number == 5)
        if number == 0:
            _moves(practitioner, child, start)
            _household_change(practitioner, child, _at(start + timedelta(days=100), 16))
            _advocate_notes(people[Role.ADVOCATE], child, today)
            _history_flag(supervisor, child, _at(start + timedelta(days=3), 10))
        _corroborate_first_report(practitioner, child)


def write_case_review_examples(people: dict, children: list, today) -> None:
    """What case reviews keep finding, one example each, so that the demo shows their signals:
    a police call-out with no decision yet, a baby's weight falling and a missed health
    appointment, a school challenging the plan, and a safety plan with its conditions."""
    practitioner, supervisor = people[Role.PRACTITIONER], people[Role.SUPERVISOR]
    amara, jayden, zofia, leo = children

    def add(author, child, kind, days_ago, hour, **data):
        operations.add_entry(author=author, child=child, kind=Kind(kind), data=_clean(kind, data),
                             occurred_at=_at(today - timedelta(days=days_ago), hour))

    add(practitioner, amara, "observation", 3, 9, category="home_environment", source="police",
        source_detail="PC Example, neighbourhood team",
        text="Police were called at 2am by neighbours hearing shouting; Dean had left.",
        significant=True, impact="Mara was awake and frightened; she went to school tired.",
        action_taken="Spoke to Mum; asked the team manager for a decision today.")
    add(practitioner, leo, "measurement", 40, 11, weight_kg=8.1, weight_centile="50",
        measured_by="health visitor")
    add(practitioner, leo, "measurement", 10, 11, weight_kg=7.8, weight_centile="9",
        measured_by="health visitor")
    add(practitioner, leo, "contact", 12, 10, method="health_appointment", outcome="not_brought",
        with_whom="Health visitor clinic", notes="Second weigh-in missed; Mum did not answer.")
    add(practitioner, jayden, "escalation", 5, 15, from_agency=True,
        agency="Sampleford Nursery", professional="Jo Bloggs, nursery manager",
        reason="The nursery disagrees with closing the case: Jayden arrives hungry most days.",
        need="A written answer before the review.")
    add(supervisor, zofia, "safety_plan", 14, 12, agreed_with="Zosia and her foster carers",
        conditions=[{"id": str(uuid.uuid4()), "text": "Zosia's father has contact only "
                     "at the family centre, supervised."},
                    {"id": str(uuid.uuid4()), "text": "Zosia keeps her phone charged and "
                     "calls her carers if she is late."}],
        people=[{"name": "Marek (father)", "relationship": "father",
                 "contact": "Supervised contact every other Saturday",
                 "risk_factors": ["substance_misuse"]}])


#: Visits to the expectant mother of the demo's unborn baby: (days ago, what was found).
PREBIRTH_VISITS = [
    (24, "Tia is 23 weeks pregnant and booked with the midwife; the flat has no cot yet."),
    (6, "Tia has a Moses basket ready; her partner left before the visit and would not meet me."),
]


def write_prebirth_visits(practitioner, child, today) -> None:
    """Visits to the expectant parent of an unborn child: the expectant parent seen, and the
    home where the baby will live."""
    for days_ago, analysis in PREBIRTH_VISITS:
        visit = dict(type="planned", location="family home", present=["Tia (mother)"],
                     unborn=True, expectant_parent_seen=True, bedroom_seen=True,
                     duration_minutes=50, analysis=analysis)
        operations.record_visit(practitioner, child, VisitParts(
            _at(today - timedelta(days=days_ago), 14), _clean("visit", visit), [], [], []))


def _at(day, hour: int) -> datetime:
    moment = from_local(datetime.combine(day, time(hour, 10)))
    return min(moment, utcnow() - timedelta(hours=1))


def _clean(kind, data: dict) -> dict:
    clean, errors = validate(kind, data)
    if errors:
        raise ValueError(f"demo {kind} is invalid: {errors}")
    return clean


def _visit(author, child, when, *, no_access: bool, alone: bool, rng) -> None:
    name = child.known_as
    if no_access:
        visit = dict(type="no_access", location="family home", child_seen=False,
                     analysis="Nobody answered; curtains closed. Card left; will return this week.")
        parts = VisitParts(when, _clean("visit", visit), [], [], [])
    else:
        visit = dict(type=rng.choice(["planned", "unannounced"]), location="family home",
                     present=["Mother", name], child_seen=True, seen_alone=alone,
                     bedroom_seen=True, duration_minutes=rng.choice([45, 60, 75]),
                     analysis=f"{name}'s day looks settled at home; school picture still unclear.",
                     what_would_change_my_view="School reporting hunger or missed days.")
        if not alone:
            visit["seen_alone_reason"] = f"{name} was unwell and wanted to stay with Mum."
        observations = [_clean("observation", _named(item, name))
                        for item in rng.sample(OBSERVATIONS[:7], 3)]
        voices = [_clean("voice", rng.choice(VOICES))] if alone else []
        parts = VisitParts(when, _clean("visit", visit), observations, voices, [])
    operations.record_visit(author, child, parts)


def _named(template: dict, name: str) -> dict:
    return {key: value.format(name=name) if isinstance(value, str) else value
            for key, value in template.items()}


def _household_change(author, child, when) -> None:
    change = _clean("household_change", dict(
        change="joined", name="Dean (surname not known)", relationship="mother's new partner",
        risk_factors=["domestic_abuse"], source="mother told me; police check requested",
        risk_notes="Mother says a previous partner of Dean's made a complaint to police."))
    operations.add_entry(author=author, child=child, kind=Kind.HOUSEHOLD_CHANGE, data=change,
                         occurred_at=when)
    concern = _clean("observation", _named(OBSERVATIONS[7], child.known_as))
    operations.add_entry(author=author, child=child, kind=Kind.OBSERVATION, data=concern,
                         occurred_at=when)


def _history_flag(author, child, when) -> None:
    """What the transfer summary from the family's last authority said about an older brother."""
    flag = _clean("history_flag", dict(
        what="removal", about="sibling", sibling="Kai (older brother, now 15)", when="2018",
        source="transfer summary from Northshire children's services",
        details="Kai was accommodated for four months after Mum's hospital admission."))
    operations.add_entry(author=author, child=child, kind=Kind.HISTORY_FLAG, data=flag,
                         occurred_at=when)


#: Where the first child lived: days after the history starts, the address, who moved. Both moves
#: come before the oversight that reviews the risk assessment, as a careful team's would.
MOVES = [
    (0, dict(address="14 Fictional Terrace\nExampleton EX1 2AB", area="Exampleton",
             local_authority="Exampleshire County Council", who=["Mother", "{name}"])),
    (60, dict(address="Flat 2, 3 Made-up Road\nSampleford SA3 4CD", area="Sampleford",
              local_authority="Sampleford City Council", who=["Mother", "{name}"])),
]


def _moves(author, child, start) -> None:
    for days, move in MOVES:
        operations.add_entry(author=author, child=child, kind=Kind.MOVE,
                             data=_clean("move", {**move, "who": [
                                 who.format(name=child.known_as) for who in move["who"]]}),
                             occurred_at=_at(start + timedelta(days=days), 12))


def _advocate_notes(advocate, child, today) -> None:
    for days_ago, note in ADVOCATE_NOTES:
        operations.add_entry(author=advocate, child=child, kind=Kind.VOICE,
                             data=_clean("voice", note),
                             occurred_at=_at(today - timedelta(days=days_ago), 13))


def _oversight(author, child, when, *, reviewed: bool) -> None:
    data = _clean("oversight", dict(
        summary=f"Case discussed in supervision. Visits on time; {child.known_as} seen alone.",
        analysis="Parent's account of school attendance not yet checked with school.",
        decision="Continue current plan.",
        actions=[dict(action="Check attendance with school", owner="Priya Shah",
                      due=(when + timedelta(days=14)).date().isoformat())],
        risk_assessment_reviewed=reviewed))
    operations.add_entry(author=author, child=child, kind=Kind.OVERSIGHT, data=data,
                         occurred_at=when)


def _corroborate_first_report(author, child) -> None:
    """The school confirms one parent's report: triangulation recorded as an amendment."""
    report = db.session.scalar(
        sa.select(Entry).where(Entry.child_id == child.id, Entry.source == "parent_reported")
        .order_by(Entry.occurred_at).limit(1))
    if report is None:
        return
    version = version_of(report)
    data, errors = validate_amendment(version, dict(
        triangulation="corroborated", triangulation_by="school attendance officer",
        reason="School confirmed attendance of 98% this term.", based_on=str(version.latest_id)))
    if errors:
        raise ValueError(f"demo triangulation is invalid: {errors}")
    operations.amend_entry(author=author, version=version, data=data)


def write_long_history(author, child, count: int) -> None:
    """``count`` more observations, one every few hours back in time (for benchmarks)."""
    now = utcnow() - timedelta(days=1)
    for number in range(count):
        template = OBSERVATIONS[number % 7]
        operations.add_entry(author=author, child=child, kind=Kind.OBSERVATION,
                             data=_clean("observation", _named(template, child.known_as)),
                             occurred_at=now - timedelta(hours=5 * number))
