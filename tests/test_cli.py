"""The command line: demo data for trying dailylife out, and user accounts for a real service."""

import pytest
import sqlalchemy as sa

from dailylife.access import visible_children_query
from dailylife.children.models import Child
from dailylife.demo import DEMO_EMAILS
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.people.models import Role, Team, User
from dailylife.people.operations import SERVICE_EMAIL
from dailylife.signals import compute

DEMO_ACCOUNTS = ["practitioner@demo.test", "supervisor@demo.test", "advocate@demo.test",
                 "admin@demo.test", "reviewer@demo.test"]
GOOD_PASSWORD = "lantern meadow quietly folds"


def run(app, *args, input=None, env=None):
    """``flask --app dailylife ARGS``, in its own app context as from a terminal."""
    db.session.commit()  # end the test's transaction: SQLite lets one writer in at a time
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args), input=input, env=env)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def signs_in(app, email: str, password: str) -> bool:
    response = app.test_client().post_form("/login", {"email": email, "password": password})
    return response.status_code == 302


@pytest.fixture
def no_demo_password(monkeypatch):
    monkeypatch.delenv("DAILYLIFE_DEMO_PASSWORD", raising=False)


def test_seed_demo_creates_the_four_demo_accounts_with_the_chosen_password(app, ctx):
    result = run(app, "seed-demo", env={"DAILYLIFE_DEMO_PASSWORD": "harbour-lights-at-dusk"})
    assert result.exit_code == 0, result.output
    assert "password: harbour-lights-at-dusk" in result.output
    assert sorted(DEMO_EMAILS) == sorted(DEMO_ACCOUNTS)
    for email in DEMO_ACCOUNTS:
        assert email in result.output
        assert signs_in(app, email, "harbour-lights-at-dusk"), email
    roles = dict(db.session.execute(sa.select(User.email, User.role).where(
        User.email != SERVICE_EMAIL)).all())
    assert roles == {f"{role.value}@demo.test": role for role in Role}


def test_seed_demo_password_defaults_to_demo_password(app, ctx, no_demo_password):
    result = run(app, "seed-demo")
    assert result.exit_code == 0, result.output
    assert "password: demo-password" in result.output
    assert signs_in(app, "practitioner@demo.test", "demo-password")


def test_seed_demo_twice_creates_nothing_new(app, ctx, no_demo_password):
    assert run(app, "seed-demo").exit_code == 0
    before = [count(model) for model in (User, Team, Child, Entry)]
    again = run(app, "seed-demo")
    assert again.exit_code == 0
    assert "nothing new created" in again.output
    assert [count(model) for model in (User, Team, Child, Entry)] == before


def test_seed_demo_refuses_a_database_with_real_accounts(app, make_user, no_demo_password):
    make_user(Role.PRACTITIONER, email="real.person@council.example")
    result = run(app, "seed-demo")
    assert result.exit_code != 0
    assert "accounts that are not demo accounts" in result.output
    assert count(User) == 1
    assert count(Child) == 0


def test_seed_demo_entries_lengthens_the_first_child_on_the_demo_caseload(app, ctx,
                                                                         no_demo_password):
    assert run(app, "seed-demo").exit_code == 0
    practitioner = db.session.scalar(sa.select(User).where(User.email == "practitioner@demo.test"))
    caseload = db.session.scalars(visible_children_query(practitioner).order_by(Child.display_name)).all()
    entries_of = dict(db.session.execute(
        sa.select(Entry.child_id, sa.func.count()).group_by(Entry.child_id)).all())
    assert all(entries_of.get(child.id) for child in caseload), "every child has some history"

    result = run(app, "seed-demo", "--entries", "50")
    assert result.exit_code == 0, result.output
    assert "Added 50 entries" in result.output
    now = dict(db.session.execute(
        sa.select(Entry.child_id, sa.func.count()).group_by(Entry.child_id)).all())
    first, *others = caseload
    assert now[first.id] == entries_of[first.id] + 50
    assert all(now[child.id] == entries_of[child.id] for child in others)


def test_users_create_reads_the_password_from_stdin(app, ctx):
    result = run(app, "users", "create", "New.Worker@Council.example", "--role", "practitioner",
                 "--team", "Team X", input=GOOD_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Created new.worker@council.example (practitioner)." in result.output
    user = db.session.scalar(sa.select(User).where(User.email == "new.worker@council.example"))
    assert user.role is Role.PRACTITIONER
    assert user.team.name == "Team X"
    assert signs_in(app, "new.worker@council.example", GOOD_PASSWORD)


def test_users_create_joins_an_existing_team(app, make_team):
    team = make_team("Team X")
    result = run(app, "users", "create", "a@council.example", "--role", "supervisor",
                 "--team", "Team X", input=GOOD_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User.team_id).where(User.email == "a@council.example")) \
        == team.id
    assert count(Team) == 1


def test_users_create_refuses_an_email_already_in_use(app, make_user):
    make_user(Role.PRACTITIONER, email="taken@council.example")
    result = run(app, "users", "create", "Taken@council.example", "--role", "advocate",
                 input=GOOD_PASSWORD + "\n")
    assert result.exit_code != 0
    assert "A user with the email taken@council.example already exists." in result.output
    assert count(User) == 1


def test_users_create_refuses_an_unknown_role(app, ctx):
    result = run(app, "users", "create", "b@council.example", "--role", "manager",
                 input=GOOD_PASSWORD + "\n")
    assert result.exit_code != 0
    assert "Invalid value for '--role'" in result.output
    assert count(User) == 0


@pytest.mark.parametrize("password,message", [
    ("short", "at least 8 characters"),
    ("password1", "too common"),
])
def test_users_create_refuses_a_weak_password(app, ctx, password, message):
    result = run(app, "users", "create", "c@council.example", "--role", "admin",
                 input=password + "\n")
    assert result.exit_code != 0
    assert message in result.output
    assert count(User) == 0


def test_users_create_refuses_something_that_is_not_an_email(app, ctx):
    result = run(app, "users", "create", "not-an-email", "--role", "practitioner",
                 input=GOOD_PASSWORD + "\n")
    assert result.exit_code != 0
    assert "is not a valid email address" in result.output
    assert count(User) == 0


def test_entries_check_lists_the_entries_that_cannot_be_shown_and_fails(
        app, world, store_bad_entry):
    bad = store_bad_entry(world.practitioner, world.child, "visit",
                          {"type": "planned", "child_seen": True, "present": 5})
    result = run(app, "entries", "check")
    assert result.exit_code == 1
    assert f"{bad}  child {world.child.id}  visit  its answer to present" in result.output


def test_entries_check_says_so_when_every_entry_can_be_shown(app, world, client_for):
    client_for(world.practitioner).post_json("/api/v1/sync", {"items": [{
        "id": "0f8fad5b-d9cb-469f-a165-70867728950e", "kind": "voice",
        "child_id": str(world.child.id), "occurred_at": "2026-01-05T10:00:00Z",
        "recorded_at": "2026-01-05T10:00:00Z", "data": {"words": "Hello.", "mode": "spoken"}}]})
    assert count(Entry) == 3  # the voice entry, and the status each child opened with
    result = run(app, "entries", "check")
    assert result.exit_code == 0
    assert result.output == "No entries that cannot be shown.\n"


def test_the_demo_shows_what_case_reviews_keep_finding(app, ctx, no_demo_password):
    """A police call-out waiting for a decision, a baby's weight falling and an appointment he was
    not brought to, a nursery challenging the plan: the demo's team manager sees each signal."""
    assert run(app, "seed-demo").exit_code == 0
    supervisor = db.session.scalar(sa.select(User).where(User.email == "supervisor@demo.test"))
    children = db.session.scalars(visible_children_query(supervisor)).all()
    raised = {signal.id for signals in compute.for_children(children, reader=supervisor).values()
              for signal in signals}
    assert {"incident_decision_due", "growth_faltering", "engagement_missed",
            "agency_challenge_open"} <= raised
    plans = sa.select(sa.func.count()).where(Entry.kind == Kind.SAFETY_PLAN)
    assert db.session.scalar(plans) == 1
