"""Reviewers: a read-only role across every team, for those who review cases afterwards (a
safeguarding practice review's author, a quality assurance officer), and who may open a record
as it stood on a past day (issue 18, item 10). Who may open which route is in
test_access_matrix.py; here, what a reviewer does from start to finish."""

import re
import uuid
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from helpers import days_ago, record
from test_accounts import NEW_PASSWORD, Inbox, inbox, set_password  # noqa: F401 (a fixture)

from dailylife.access import READ_ONLY, Action, can
from dailylife.audit import AuditEvent
from dailylife.clock import local_today, utcnow
from dailylife.entries.models import Entry
from dailylife.extensions import db
from dailylife.people.models import Role, RoleGrant, User

CONFIDENTIAL_WORDS = "Please do not tell my social worker about the dog."


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER, name="Rae Reviewer")


def events(action: str, actor: User) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.actor_id == actor.id).order_by(AuditEvent.id)))


def text(response) -> str:
    return response.get_data(as_text=True)


def entry_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Entry.id)))


def reviewer_form(**changes) -> dict:
    return {"email": "rae.review@example.org", "display_name": "Rae Review", "role": "reviewer",
            "team_id": "", **changes}


def test_an_admin_makes_a_reviewer_who_signs_in_with_a_second_factor_and_reads_both_teams(
        app, world, client_for, inbox: Inbox):
    admin = client_for(world.admin)  # signed in before the production default applies
    app.config["MFA_REQUIRED_ROLES"] = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.REVIEWER})
    made = admin.post_form("/admin/users/new", reviewer_form(), follow_redirects=True)
    assert "Rae Review&#39;s account is made" in text(made)
    owner = app.test_client()
    assert set_password(owner, inbox.link_for("rae.review@example.org")).status_code == 302

    password_only = owner.post_form("/login", {"email": "rae.review@example.org",
                                               "password": NEW_PASSWORD})
    assert password_only.location == "/login/enrol"
    assert owner.get(f"/cases/{world.child.id}").location.startswith("/login")
    enrolment = text(owner.get("/login/enrol"))
    secret = re.search(r"<code data-totp-secret>([A-Z2-7]+)</code>", enrolment).group(1)
    owner.post_form("/login/enrol", {"code": pyotp.TOTP(secret).now()})
    owner.get("/login/enrol/recovery-codes")
    assert owner.post_form("/login/enrol/done").status_code == 302

    start = owner.get("/", follow_redirects=True)
    assert 'href="/team?team=' + str(world.team_a.id) in text(start)
    assert 'href="/team?team=' + str(world.team_b.id) in text(start)
    for team, child in ((world.team_a, world.child), (world.team_b, world.other_child)):
        board = owner.get(f"/team?team={team.id}")
        assert board.status_code == 200 and child.display_name in text(board)
        for page in ("", "/chronology", "/chronology.csv", "/chronology.pdf"):
            assert owner.get(f"/cases/{child.id}{page}", buffered=True).status_code == 200, page
    reader = db.session.scalar(sa.select(User).where(User.email == "rae.review@example.org"))
    assert {event.child_id for event in events("view_child", reader)} == {
        world.child.id, world.other_child.id}
    assert {event.child_id for event in events("view_chronology", reader)} == {
        world.child.id, world.other_child.id}
    assert [event.detail["team"] for event in events("view_team", reader)] == [
        str(world.team_a.id), str(world.team_b.id)]


def test_each_team_manager_sees_who_was_made_a_reviewer_and_by_whom(world, client_for):
    client_for(world.admin).post_form("/admin/users/new", reviewer_form())
    made = db.session.scalar(sa.select(User).where(User.email == "rae.review@example.org"))
    grant = db.session.scalar(sa.select(RoleGrant).where(RoleGrant.user_id == made.id))
    assert (grant.role, grant.team_id, grant.granted_by_id) == (Role.REVIEWER, None,
                                                                world.admin.id)
    for supervisor in (world.supervisor, world.other_supervisor):
        board = text(client_for(supervisor).get("/team"))
        row = re.search(rf'<tr data-grant="{made.id}">(.*?)</tr>', board, re.S)
        assert row and "Reviewer" in row.group(1) and "Alex Admin" in row.group(1)


def test_a_reviewer_is_given_no_team(world, client_for):
    admin = client_for(world.admin)
    refused = admin.post_form("/admin/users/new", reviewer_form(team_id=str(world.team_a.id)))
    assert refused.status_code == 400
    assert "A reviewer reads every team&#39;s records and belongs to none" in text(refused)
    assert db.session.scalar(sa.select(User).where(User.email == "rae.review@example.org")) is None

    moved = admin.post_form(f"/admin/users/{world.practitioner.id}/edit",
                            {"role": "reviewer", "team_id": str(world.team_a.id)})
    assert moved.status_code == 400
    db.session.refresh(world.practitioner)
    assert world.practitioner.role is Role.PRACTITIONER


def test_a_social_worker_made_a_reviewer_keeps_no_write_of_their_old_role(
        world, client_for):
    client_for(world.admin).post_form(f"/admin/users/{world.practitioner.id}/edit",
                                      {"role": "reviewer", "team_id": ""})
    client = client_for(world.practitioner)
    assert client.get(f"/cases/{world.other_child.id}").status_code == 200
    refused = client.post_form(f"/cases/{world.child.id}/observations/new", {
        "occurred_at": "", "category": "behaviour", "text": "Calm.", "source": "observed"})
    assert refused.status_code == 403


def test_every_change_a_reviewer_tries_is_refused_saying_why_and_nothing_is_saved(
        world, reviewer, client_for):
    observation = record(world.practitioner, world.child, "observation", category="health",
                         text="Mother says the GP saw him.", source="parent_reported",
                         source_detail="mother")
    client, before = client_for(reviewer), entry_count()
    child = f"/cases/{world.child.id}"
    forms = {
        f"{child}/observations/new": {"category": "behaviour", "text": "Calm.",
                                      "source": "observed"},
        f"{child}/visits/new": {"type": "planned", "child_seen": "yes", "seen_alone": "yes"},
        f"{child}/oversight/new": {"summary": "Reviewed the case.", "decision": "Carry on."},
        f"{child}/voice/new": {"words": "I like school.", "mode": "spoken"},
        f"{child}/entries/{observation.id}/triangulate": {"outcome": "confirmed"},
        f"{child}/entries/{observation.id}/amend": {"text": "Changed.", "reason": "Review."},
        f"{child}/siblings/link": {"sibling": str(world.other_child.id)},
    }
    for url, data in forms.items():
        refused = client.post_form(url, data)
        assert refused.status_code == 403, url
        assert "reviewers read records and cannot record, correct or change anything" in \
            text(refused), url
    sent = client.post_json("/api/v1/sync", {"device_id": "tablet-1", "items": [{
        "id": str(uuid.uuid4()), "kind": "observation", "child_id": str(world.child.id),
        "occurred_at": (utcnow() - timedelta(hours=3)).isoformat(),
        "recorded_at": (utcnow() - timedelta(hours=2)).isoformat(), "visit_id": None,
        "amends_id": None,
        "data": {"category": "behaviour", "text": "Calm.", "source": "observed"}}]})
    assert (sent.status_code, sent.get_json()) == (403, {"error": "read_only",
                                                         "message": READ_ONLY})
    assert entry_count() == before
    refusals = events("refused", reviewer)
    assert len(refusals) == len(forms) + 1
    assert all(event.detail["read_only"] for event in refusals)


def test_a_reviewer_is_not_offered_what_they_cannot_do(world, reviewer, client_for):
    record(world.practitioner, world.child, "escalation", reason="No decision on the referral.",
           need="A strategy discussion.", at=days_ago(2))
    client = client_for(reviewer)
    child_page = text(client.get(f"/cases/{world.child.id}"))
    for offer in ("/visits/new", "/oversight/new", "/child-mode", "/observations/new"):
        assert offer not in child_page, offer
    board = text(client.get(f"/team?team={world.team_a.id}"))
    assert "escalation_open" in board and "/oversight/new" not in board
    assert "/team/unsent" not in board
    assert f"team={world.team_a.id}&amp;signal=visit_overdue" in board \
        or f"signal=visit_overdue&amp;team={world.team_a.id}" in board


def test_confidential_advocate_notes_stay_sealed_for_a_reviewer(world, reviewer, client_for):
    record(world.advocate, world.child, "voice", words=CONFIDENTIAL_WORDS, mode="spoken",
           share_with_team=False)
    record(world.practitioner, world.child, "voice", words="I like my new school.",
           mode="spoken")
    client = client_for(reviewer)
    for page in ("", "/chronology", "/chronology.csv", "/voice"):
        shown = text(client.get(f"/cases/{world.child.id}{page}", buffered=True))
        assert "I like my new school." in shown, page
        assert CONFIDENTIAL_WORDS not in shown, page
    assert CONFIDENTIAL_WORDS in text(
        client_for(world.supervisor).get(f"/cases/{world.child.id}/chronology"))


def test_a_reviewer_has_no_caseload_and_the_tablet_keeps_nothing_of_theirs(
        world, reviewer, client_for):
    client = client_for(reviewer)
    assert client.get("/api/v1/cases").get_json() == {"cases": []}
    assert client.get("/cases").location == "/team"
    assert client.get(f"/cases/{world.child.id}/child-mode").status_code == 403


def test_a_team_is_chosen_by_its_id_and_a_team_manager_opens_only_their_own(
        world, reviewer, client_for):
    reading = client_for(reviewer)
    assert reading.get(f"/team?team={uuid.uuid4()}").status_code == 404
    assert reading.get("/team?team=not-a-team").status_code == 404
    supervisor = client_for(world.supervisor)
    assert supervisor.get(f"/team?team={world.team_a.id}").status_code == 200
    assert supervisor.get(f"/team?team={world.team_b.id}").status_code == 404
    assert "Ben Elsewhere" not in text(supervisor.get("/team"))


def test_only_the_childs_team_manager_and_reviewers_may_open_the_record_as_it_stood(
        world, reviewer):
    may = {who: can(getattr(world, who, reviewer), Action.READ_AS_AT, world.child)
           for who in ("supervisor", "other_supervisor", "practitioner", "other_practitioner",
                       "advocate", "admin", "reviewer")}
    assert may == dict(supervisor=True, other_supervisor=False, practitioner=False,
                       other_practitioner=False, advocate=False, admin=False, reviewer=True)


def test_a_reviewer_opens_a_record_and_a_team_as_they_stood_on_a_day(world, reviewer, client_for):
    day = local_today().isoformat()
    client = client_for(reviewer)
    for page in (f"/cases/{world.other_child.id}", f"/cases/{world.other_child.id}/chronology"):
        shown = client.get(f"{page}?as_at={day}")
        assert shown.status_code == 200 and f'data-as-at="{day}"' in text(shown), page
    board = text(client.get(f"/team?team={world.team_b.id}&as_at={day}"))
    assert f'data-as-at="{day}"' in board
    assert re.search(rf'href="/team\?[^"]*signal=visit_overdue', board)
    for link in re.findall(r'href="(/team\?[^"]*signal=visit_overdue[^"]*)"', board):
        assert f"team={world.team_b.id}" in link and f"as_at={day}" in link
    assert client_for(world.practitioner).get(
        f"/cases/{world.child.id}?as_at={day}").status_code == 403
