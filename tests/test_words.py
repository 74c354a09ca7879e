"""Words a social worker uses: one term per idea, no raw codes, the child's words quoted apart
from our labels (issue 16, item 5).

The record below holds an entry for every choice of every kind (each kind of ``KINDS`` that stores
a code, and each question asked only sometimes, such as where on the body an injury is), so that
every page and export a person reads is rendered with every stored code at least once.
"""

import csv
import io
import re
import uuid
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader

from dailylife.clock import utcnow
from dailylife.entries import operations, payload
from dailylife.entries.declare import Choice, Many
from dailylife.entries.kinds import APPOINTMENTS, KINDS, MESSAGES, REPORTED_SOURCES
from dailylife.extensions import db
from dailylife.people.models import Role
from dailylife.signals.catalogue import SIGNALS

from helpers import amend

#: What a person never reads: a code written with underscores (``no_access``), a Python boolean.
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b(?:True|False)\b")
#: The code words of roles; people read "social worker" and "team manager".
OLD_ROLE_WORDS = re.compile(r"\b(practitioners?|supervisors?)\b", re.IGNORECASE)
#: Jargon replaced by plain words.
JARGON = re.compile(r"practice signals?|oversight|synced|in force", re.IGNORECASE)


class ReadText(HTMLParser):
    """The text a person reads or hears: text nodes and the attributes a screen reader speaks."""

    SPOKEN = ("aria-label", "alt", "title", "placeholder")

    def __init__(self):
        super().__init__()
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self.skipping += 1
        self.parts.extend(value for name, value in attrs if name in self.SPOKEN and value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def read_text(page: str) -> str:
    reader = ReadText()
    reader.feed(page)
    return " ".join(" ".join(reader.parts).split())


def add(author, child, kind, days_ago=1, **data):
    clean, errors = payload.validate(kind, data)
    assert not errors, (kind, data, errors)
    entry = operations.add_entry(author=author, child=child, kind=kind, data=clean,
                                 occurred_at=utcnow() - timedelta(days=days_ago))
    db.session.commit()
    return entry


def options(kind: str, name: str) -> tuple[tuple[str, str], ...]:
    answer = KINDS[kind].question(name).answer
    assert isinstance(answer, (Choice, Many))
    return answer.options


def every_choice(worker, manager, child) -> list:
    """An entry (or a correction) for every stored code of every kind; returns what was made,
    as (entry, {question: label of the code it holds})."""
    made = []
    for code, label in options("visit", "type"):
        made.append((add(worker, child, "visit", type=code, child_seen=False), {"type": label}))
    made.append((add(worker, child, "visit", type="planned", child_seen=True, seen_alone=False,
                     seen_alone_reason="Mother would not leave the room."), {}))
    sources = [code for code, _ in options("observation", "source")]
    for number, (code, label) in enumerate(options("observation", "category")):
        source = sources[number % len(sources)]
        made.append((add(worker, child, "observation", category=code, source=source,
                         text=f"Observed {number}"),
                     {"category": label, "source": dict(options("observation", "source"))[source]}))
    for code, label in options("observation", "time_of_day"):
        made.append((add(worker, child, "observation", category="health", source="observed",
                         text="Ate well", time_of_day=code), {"time_of_day": label}))
    for code, label in options("observation", "triangulation"):
        independent = {"contradicted_by_kind": ["record"]} if code == "contradicted" else {}
        made.append((add(worker, child, "observation", category="home_environment",
                         source=REPORTED_SOURCES[0], text="Mother said the fridge is full",
                         triangulation=code, **independent), {"triangulation": label}))
    for code, label in options("observation", "triangulation")[1:]:
        reported = add(worker, child, "observation", category="education", source="other_agency",
                       text="School says attendance is fine")
        independent = {"contradicted_by_kind": ["record"]} if code == "contradicted" else {}
        made.append((amend(worker, reported, triangulation=code, triangulation_by="School register",
                           reason="Checked the register", **independent),
                     {"triangulation": label}))
    feelings = [code for code, _ in options("voice", "feeling")]
    for number, (code, label) in enumerate(options("voice", "mode")):
        made.append((add(worker, child, "voice", mode=code, words=f"I like my dog {number}",
                         feeling=feelings[number % len(feelings)]), {"mode": label}))
    for code, label in options("voice", "feeling"):
        made.append((add(worker, child, "voice", mode="spoken", feeling=code), {"feeling": label}))
    for code, label in options("household_change", "change"):
        made.append((add(worker, child, "household_change", change=code, name="Sam",
                         relationship="mother's partner",
                         risk_factors=[code for code, _ in options("household_change",
                                                                   "risk_factors")]),
                     {"change": label}))
    made.append((add(manager, child, "oversight", summary="Plan reviewed",
                     acknowledges=[code for code, _ in options("oversight", "acknowledges")],
                     actions=[{"action": "Visit weekly", "owner": "Wyn", "done": True}]), {}))
    made.append((add(worker, child, "escalation", reason="Bruise on arm", need="A decision"), {}))
    corrected = add(worker, child, "visit", type="planned", child_seen=False)
    made.append((amend(worker, corrected, child_seen=True, seen_alone=True,
                       reason="I wrote it wrongly"), {}))
    withdrawn = add(worker, child, "observation", category="behaviour", source="observed",
                    text="Wrong child")
    made.append((amend(worker, withdrawn, withdrawn=True, reason="Entered in error"), {}))
    return (made + answers_asked_only_sometimes(worker, child) + contacts(worker, child)
            + measurements(worker, child) + standing_facts(worker, manager, child))


def answers_asked_only_sometimes(worker, child) -> list:
    """The questions a form asks only after another answer: an injury's place on the body, where
    a household change came from, the time of the child's words, another agency's challenge."""
    made = []
    events = dict(options("observation", "health_event"))
    for code, label in events.items():
        if code != "injury":
            made.append((add(worker, child, "observation", category="health", source="observed",
                             text="Seen at the GP", health_event=code), {"health_event": label}))
    for code, label in options("observation", "body_location"):
        made.append((add(worker, child, "observation", category="health", source="observed",
                         text="A bruise", health_event="injury", body_location=code),
                     {"health_event": events["injury"], "body_location": label}))
    for code, label in options("household_change", "information_source"):
        made.append((add(worker, child, "household_change", change="left", name="Sam",
                         relationship="uncle", information_source=code),
                     {"information_source": label}))
    for code, label in options("voice", "time_of_day"):
        made.append((add(worker, child, "voice", mode="spoken", words="I had toast",
                         time_of_day=code), {"time_of_day": label}))
    made.append((add(worker, child, "escalation", reason="The plan is not working",
                     from_agency=True, agency="Greenfield School", professional="Sam Jones"), {}))
    return made


def contacts(worker, child) -> list:
    """Every way of reaching the family with every outcome it can have."""
    outcomes = dict(options("contact", "outcome"))
    possible = {**dict.fromkeys(MESSAGES, ("reached", "no_answer")),
                **dict.fromkeys(APPOINTMENTS, ("attended", "cancelled_by_family", "not_brought"))}
    return [(add(worker, child, "contact", method=method, outcome=outcome),
             {"method": method_label, "outcome": outcomes[outcome]})
            for method, method_label in options("contact", "method")
            for outcome in possible.get(method, outcomes)]


def measurements(worker, child) -> list:
    return [(add(worker, child, "measurement", weight_kg=22.5, weight_centile=code,
                 height_cm=121), {"weight_centile": label})
            for code, label in options("measurement", "weight_centile")]


def standing_facts(worker, manager, child) -> list:
    """A move, a safety plan, every history flag and a step up in status."""
    made = [(add(worker, child, "move", address="1 Mill Lane\nLeeds LS1 1AA", area="Harehills",
                  local_authority="Leeds", who=["Mother", "Ben"]), {}),
            (add(worker, child, "safety_plan",
                 conditions=[{"id": str(uuid.uuid4()), "text": "Sam does not stay overnight"}],
                 people=[{"name": "Sam Reid", "relationship": "father",
                          "risk_factors": [code for code, _ in
                                           options("household_change", "risk_factors")]}]), {})]
    for what, what_label in options("history_flag", "what"):
        for about, _ in options("history_flag", "about"):
            sibling = {"sibling": "Amy"} if about == "sibling" else {}
            made.append((add(manager, child, "history_flag", what=what, about=about,
                             source="Leeds records", when="2019", details="A plan in Leeds",
                             **sibling), {"what": what_label}))
    made.append((add(manager, child, "status_change", days_ago=0, status="looked_after",
                     reasons="Court order"), {"status": "Looked after"}))
    return made


@pytest.fixture
def people(world, make_user, allocate):
    """Users whose names and addresses carry none of the words checked here (the shared
    fixture's do)."""
    for user, name in ((world.supervisor, "Sara Hill"), (world.practitioner, "Pat Green"),
                       (world.other_supervisor, "Bo Evans")):
        user.display_name, user.email = name, f"{name.split()[0].lower()}@example.org"
    db.session.commit()
    worker = make_user(Role.PRACTITIONER, team=world.team_a, name="Wyn Jones",
                       email="wyn@example.org")
    manager = make_user(Role.SUPERVISOR, team=world.team_b, name="Mo Khan", email="mo@example.org")
    child = world.other_child
    allocate(worker, child)
    return worker, manager, child


@pytest.fixture
def record(people):
    worker, manager, child = people
    return every_choice(worker, manager, child)


def pages_of(client, child, entries) -> dict[str, str]:
    """Every page that shows the record, as the text a person reads."""
    case = f"/cases/{child.id}"
    urls = {"caseload": "/cases", "child page": case, "chronology": f"{case}/chronology",
            "corrections": f"{case}/chronology?kind=amendment",
            "what the child said": f"{case}/voice", "a day in the life": f"{case}/day?months=12",
            "outbox": "/outbox"}
    urls.update({f"entry {entry.kind.value} {entry.id}":
                 f"{case}/entries/{entry.amends_id or entry.id}" for entry in entries})
    shown = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, url)
        shown[name] = read_text(response.get_data(as_text=True))
    return shown


def raw_codes(text: str) -> set[str]:
    return set(RAW_CODE.findall(text))


def test_no_page_of_the_record_shows_a_stored_code(people, record, client_for):
    worker, manager, child = people
    for client in (client_for(worker), client_for(manager)):
        for page, text in pages_of(client, child, [entry for entry, _ in record]).items():
            assert not raw_codes(text), f"{page} shows codes: {raw_codes(text)}"


def test_every_stored_choice_is_shown_by_its_label_on_its_entry_page(people, record, client_for):
    worker, _, child = people
    client = client_for(worker)
    for entry, labels in record:
        page = read_text(client.get(f"/cases/{child.id}/entries/{entry.amends_id or entry.id}")
                         .get_data(as_text=True))
        for question, label in labels.items():
            assert label in page, f"{entry.kind.value}: {question} is not shown as “{label}”"


def test_the_chronology_row_says_each_choice_in_words(people, record, client_for):
    worker, _, child = people
    page = client_for(worker).get(f"/cases/{child.id}/chronology").get_data(as_text=True)
    rows = {match[0]: read_text(match[1]) for match in
            re.findall(r'<tr id="entry-([0-9a-f-]+)"[^>]*>(.*?)</tr>', page, re.S)}
    shown = {"type", "category", "source", "mode", "change"}
    for entry, labels in record:
        if entry.amends_id is None:
            for question in shown & labels.keys():
                assert labels[question] in rows[str(entry.id)], (entry.kind.value, question)


def test_the_signals_of_the_dashboard_and_caseload_are_named_not_coded(people, record, client_for):
    worker, manager, child = people
    for client, url in ((client_for(manager), "/team"), (client_for(worker), "/cases")):
        text = read_text(client.get(url).get_data(as_text=True))
        assert not raw_codes(text), f"{url} shows codes: {raw_codes(text)}"
        assert not any(signal_id in text for signal_id in SIGNALS)


def test_the_pdf_says_every_code_in_words(people, record, client_for):
    _, manager, child = people
    response = client_for(manager).get(f"/cases/{child.id}/chronology.pdf")
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert not raw_codes(text), raw_codes(text)
    assert not OLD_ROLE_WORDS.search(text) and not JARGON.search(text)


def test_the_csv_says_every_code_in_words(people, record, client_for):
    _, manager, child = people
    response = client_for(manager).get(f"/cases/{child.id}/chronology.csv", buffered=True)
    text = response.get_data(as_text=True)
    cells = " ".join(cell for row in csv.reader(io.StringIO(text)) for cell in row)
    assert not raw_codes(cells), raw_codes(cells)
    assert not OLD_ROLE_WORDS.search(cells) and not JARGON.search(cells)


#: The transfer summary's JSON keeps these codes for a receiving system, each beside its words.
CODES_BESIDE_WORDS = {"id", "entry_id", "kind", "status", "change", "what", "legal_status",
                      "urgency"}


def read_in(data, key=None) -> list[str]:
    """The strings of the transfer summary's JSON that a person reads."""
    if isinstance(data, dict):
        return [text for name, value in data.items() for text in read_in(value, name)]
    if isinstance(data, list):
        return [text for value in data for text in read_in(value, key)]
    return [data] if isinstance(data, str) and key not in CODES_BESIDE_WORDS else []


def test_the_transfer_summary_says_every_code_in_words(people, record, client_for):
    _, manager, child = people
    client = client_for(manager)
    pdf = client.get(f"/cases/{child.id}/transfer.pdf")
    assert pdf.status_code == 200
    printed = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    as_data = client.get(f"/cases/{child.id}/transfer.json")
    assert as_data.status_code == 200
    data = " ".join(read_in(as_data.get_json()))
    for text in (printed, data):
        assert not raw_codes(text), raw_codes(text)
        assert not OLD_ROLE_WORDS.search(text) and not JARGON.search(text)


def test_people_are_called_social_worker_and_team_manager_on_every_page(people, record,
                                                                       client_for):
    worker, manager, child = people
    for client in (client_for(worker), client_for(manager)):
        for page, text in pages_of(client, child, [entry for entry, _ in record]).items():
            assert not OLD_ROLE_WORDS.search(text), f"{page}: {OLD_ROLE_WORDS.search(text)[0]}"
    dashboard = read_text(client_for(manager).get("/team").get_data(as_text=True))
    assert "Social worker" in dashboard and not OLD_ROLE_WORDS.search(dashboard)
    entry_page = read_text(client_for(manager).get(
        f"/cases/{child.id}/entries/{record[0][0].id}").get_data(as_text=True))
    assert "Wyn Jones (Social worker)" in entry_page


def test_plain_words_replace_practice_signals_oversight_synced_and_plan_in_force(
        people, record, client_for):
    worker, manager, child = people
    for client in (client_for(worker), client_for(manager)):
        for page, text in pages_of(client, child, [entry for entry, _ in record]).items():
            assert not JARGON.search(text), f"{page}: “{JARGON.search(text)[0]}”"
    decision_form = read_text(client_for(manager).get(f"/cases/{child.id}/oversight/new")
                              .get_data(as_text=True))
    assert not JARGON.search(decision_form), JARGON.search(decision_form)[0]


def test_the_admin_names_roles_on_a_case_in_words(world, client_for):
    text = read_text(client_for(world.admin).get("/admin/").get_data(as_text=True))
    assert "Amy Example Pat Practitioner Social worker" in text
    assert "Amy Example Ada Advocate Children's advocate" in text
    assert not RAW_CODE.search(text)


def quoted_parts(page: str, entry_id) -> list[str]:
    """The child's words of one entry as the page quotes them."""
    found = re.search(rf'id="entry-{entry_id}".*?(?=id="entry-|</tbody>|</section>)', page, re.S)
    assert found, entry_id
    return [read_text(text) for text in
            re.findall(r"<(?:blockquote|q)\b[^>]*>(.*?)</(?:blockquote|q)>", found[0], re.S)]


@pytest.fixture
def houses(people):
    worker, _, child = people
    return add(worker, child, "voice", mode="spoken", words="I like my dog", feeling="sad",
               worries="Shouting at night", good_things="My dog", dreams="A big garden",
               drawing_about="My house")


@pytest.mark.parametrize("page", ["chronology", "voice"])
def test_the_childs_words_are_quoted_and_our_labels_stand_outside_the_quotes(
        people, houses, client_for, page):
    worker, _, child = people
    html = client_for(worker).get(f"/cases/{child.id}/{page}").get_data(as_text=True)
    quoted = quoted_parts(html, houses.id)
    assert quoted == ["I like my dog", "Shouting at night", "My dog", "A big garden", "Sad",
                      "My house"]
    text = read_text(html)
    assert "House of worries: Shouting at night" in text and "Feeling: Sad" in text


def test_the_childs_page_quotes_the_latest_words_with_labels_outside(people, houses, client_for):
    worker, _, child = people
    html = client_for(worker).get(f"/cases/{child.id}").get_data(as_text=True)
    section = re.search(r'id="voice-heading".*?</section>', html, re.S)[0]
    quoted = [read_text(text) for text in
              re.findall(r"<(?:blockquote|q)\b[^>]*>(.*?)</(?:blockquote|q)>", section, re.S)]
    assert "I like my dog" in quoted and "Sad" in quoted
    assert not any("Feeling" in text or "House of" in text for text in quoted)


def test_the_csv_and_pdf_quote_the_childs_words_after_the_label(people, houses, client_for):
    _, manager, child = people
    client = client_for(manager)
    summary = client.get(f"/cases/{child.id}/chronology.csv", buffered=True).get_data(as_text=True)
    assert "“I like my dog”" in summary and "Feeling: “Sad”" in summary
    assert "House of worries: “Shouting at night”" in summary
    pdf = client.get(f"/cases/{child.id}/chronology.pdf").data
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Feeling: “Sad”" in text


@pytest.mark.parametrize("url, secret", [
    ("/login", "password"), ("/shell/caseload", "passphrase"), ("/shell/child-mode", "PIN")])
def test_each_secret_is_explained_where_it_is_asked_for(app, url, secret):
    text = read_text(app.test_client().get(url, follow_redirects=True).get_data(as_text=True))
    explanation = {"password": "Your password is for your council account",
                   "passphrase": "Your offline passphrase opens the records kept on this tablet",
                   "PIN": "The PIN locks this tablet"}[secret]
    assert explanation in text
