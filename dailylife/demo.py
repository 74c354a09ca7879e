"""Demo data: a fictional team with fictional children. Every email ends in @demo.test."""

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from dailylife.children.models import Child, LegalStatus
from dailylife.clock import from_local, local_today
from dailylife.entries import demo_history
from dailylife.extensions import db
from dailylife.people import operations
from dailylife.people.models import CaseRole, Role, Team, User

DEMO_DOMAIN = "@demo.test"
DEMO_EMAILS = [f"{role.value}{DEMO_DOMAIN}" for role in Role]
DEMO_TEAM = "Demo Team North"

#: Clearly fictional children; the first is the one ``--entries`` lengthens.
DEMO_CHILDREN = [
    dict(name="Amara Testwell", preferred_name="Mara", age_days=8 * 365 + 40, pronouns="she/her",
         first_language="English", communication_needs=None,
         legal_status=LegalStatus.CHILD_PROTECTION_PLAN),
    dict(name="Jayden Samplefield", preferred_name=None, age_days=3 * 365 + 100, pronouns="he/him",
         first_language="English", communication_needs="Speech delay; uses some Makaton signs.",
         legal_status=LegalStatus.CHILD_IN_NEED),
    dict(name="Zofia Demonska", preferred_name="Zosia", age_days=14 * 365 + 200,
         pronouns="she/her", first_language="Polish",
         communication_needs="Prefers a Polish interpreter for anything important.",
         legal_status=LegalStatus.LOOKED_AFTER),
    dict(name="Leo Fictional", preferred_name=None, age_days=300, pronouns="he/him",
         first_language="English", communication_needs="Baby: observe cues, sleep and feeding.",
         legal_status=LegalStatus.CHILD_PROTECTION_PLAN),
]
#: A baby not born yet, due in 14 weeks: its pre-birth assessment is late (week 20 has passed).
DEMO_UNBORN = dict(name=None, expectant_parent="Tia Makebelieve", due_in_days=14 * 7,
                   first_language="English", legal_status=LegalStatus.PRE_BIRTH)
OTHER_TEAM_CHILD = dict(name="Sam Elsewhere", preferred_name=None, age_days=11 * 365,
                        pronouns="they/them", first_language="English", communication_needs=None,
                        legal_status=LegalStatus.CHILD_IN_NEED)


def has_real_users() -> bool:
    """Accounts of people other than the demo's (dailylife's own service account is nobody's)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(
            ~User.email.endswith(DEMO_DOMAIN), User.email != operations.SERVICE_EMAIL)) > 0


def seed(password: str) -> bool:
    """Create the demo team, people, children and allocations; False if they already exist."""
    if db.session.scalar(sa.select(Team.id).where(Team.name == DEMO_TEAM)):
        return False
    team = operations.create_team(DEMO_TEAM)
    other_team = operations.create_team("Demo Team South")
    people = {
        role: operations.create_user(
            email=f"{role.value}{DEMO_DOMAIN}", role=role, password=password,
            display_name={Role.PRACTITIONER: "Priya Shah", Role.SUPERVISOR: "Sol Mensah",
                          Role.ADVOCATE: "Ade Advocate", Role.ADMIN: "Ash Admin",
                          Role.REVIEWER: "Rue Reviewer"}[role],
            team=None if role in (Role.ADMIN, Role.REVIEWER) else team)
        for role in Role
    }
    today = local_today()
    start = today - timedelta(days=200)
    children = [_child(details, team, today, start) for details in DEMO_CHILDREN]
    _child(OTHER_TEAM_CHILD, other_team, today, start)
    for child in children:
        operations.allocate(user=people[Role.PRACTITIONER], child=child,
                            case_role=CaseRole.PRACTITIONER, start_date=start)
    for child in children[:2]:
        operations.allocate(user=people[Role.ADVOCATE], child=child, case_role=CaseRole.ADVOCATE,
                            start_date=start)
    demo_history.write_histories(people, children, today)
    demo_history.write_case_review_examples(people, children, today)
    unborn = _unborn(DEMO_UNBORN, team, today)
    operations.allocate(user=people[Role.PRACTITIONER], child=unborn,
                        case_role=CaseRole.PRACTITIONER, start_date=today - timedelta(days=30))
    demo_history.write_prebirth_visits(people[Role.PRACTITIONER], unborn, today)
    return True


def _child(details: dict, team: Team, today: date, opened: date) -> Child:
    """A demo case opened on ``opened``, before the history written for it begins."""
    details = dict(details)
    born = today - timedelta(days=details.pop("age_days"))
    return operations.create_child(team_id=team.id, date_of_birth=born,
                                   created_at=from_local(datetime.combine(opened, time(9))),
                                   **details)


def _unborn(details: dict, team: Team, today: date) -> Child:
    details = dict(details)
    due = today + timedelta(days=details.pop("due_in_days"))
    return operations.create_child(team_id=team.id, date_of_birth=None,
                                   expected_delivery_date=due, **details)


def add_long_history(count: int) -> None:
    practitioner = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAILS[0]))
    child = db.session.scalar(sa.select(Child).where(Child.name == DEMO_CHILDREN[0]["name"]))
    demo_history.write_long_history(practitioner, child, count)
