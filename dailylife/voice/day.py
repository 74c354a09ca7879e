"""A day in the child's life: what the record says about each part of the child's day.

Assembled from the observations and voice entries tagged with a time of day, as they read now
(amendments applied, withdrawn entries left out), over a recent period, and only what the reader
may read. The parts nobody has written about are shown as plainly as the parts we know: reviews
keep finding that nobody knew what the child's evenings, nights or weekends were like.
"""

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from dailylife.chronology import showable
from dailylife.chronology.rows import summary
from dailylife.entries.kinds import REPORTED_SOURCES, TIMES_OF_DAY
from dailylife.entries.history import Version, versions
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db

#: How far back the page looks: query value -> (words, days). A year covers term and holidays.
PERIODS = {"3": ("3 months", 91), "6": ("6 months", 182), "12": ("12 months", 365),
           "24": ("2 years", 730)}
DEFAULT_PERIOD = "12"
#: What we last knew longer ago than this is marked out of date.
STALE_AFTER = timedelta(days=90)
#: Items shown for each part of the day; the rest are counted.
SHOWN = 5

#: source of an observation -> (who it came from, in the summary; how an item says it).
FROM_WHOM = {
    "observed": ("seen or heard by us", "Seen or heard by {author}"),
    "child_said": ("the child", "{child} told {author}"),
    "parent_reported": ("parents or carers", "A parent or carer{detail} told {author}"),
    "other_agency": ("other agencies", "Another agency{detail} told {author}"),
    "police": ("the police", "The police{detail} told {author}"),
    "hospital": ("hospitals", "A hospital{detail} told {author}"),
    "emergency_services": ("emergency services", "Emergency services{detail} told {author}"),
    "other": ("others", "Someone else{detail} told {author}"),
}
CHECKED = {"unverified": "not yet checked", "corroborated": "corroborated",
           "contradicted": "contradicted"}


@dataclass
class Known:
    """One thing the record says about a part of the day."""

    version: Version
    text: str
    #: Who it came from, in the part's summary ("parents or carers").
    source: str
    #: The same, in full ("A parent or carer (mother) told Pat Practitioner, not yet checked").
    from_whom: str
    #: The child's own words (a voice entry), shown as a quotation.
    own_words: bool

    @property
    def unchecked_report(self) -> bool:
        data = self.version.data
        return (data.get("source") in REPORTED_SOURCES
                and data.get("triangulation") in (None, "unverified"))


@dataclass
class Part:
    key: str
    label: str
    #: Newest first.
    known: list[Known]

    @property
    def latest(self) -> datetime | None:
        return self.known[0].version.entry.occurred_at if self.known else None

    def out_of_date(self, now: datetime) -> bool:
        return self.latest is not None and now - self.latest > STALE_AFTER

    @property
    def shown(self) -> list[Known]:
        return self.known[:SHOWN]

    @property
    def sources(self) -> list[tuple[str, int]]:
        """Who it came from, most first: a part known only from one voice is half known."""
        return Counter(item.source for item in self.known).most_common()

    @property
    def only_unchecked_reports(self) -> bool:
        """All we have is what someone told us and nobody has checked (respectful uncertainty)."""
        return bool(self.known) and all(item.unchecked_report for item in self.known)


@dataclass
class Day:
    parts: list[Part]
    #: Observations and words in the period with no time of day.
    untagged: int
    since: datetime

    @property
    def gaps(self) -> list[Part]:
        return [part for part in self.parts if not part.known]


def day_in_the_life(child, readable: Callable[[Entry], bool], period: str,
                    now: datetime) -> Day:
    """The child's day over ``period`` (a key of PERIODS) up to ``now``, as ``readable``
    (``access.entry_reader``) lets this reader see it."""
    since = now - timedelta(days=PERIODS[period][1])
    entries = db.session.scalars(
        sa.select(Entry).where(Entry.child_id == child.id,
                               Entry.kind.in_([Kind.OBSERVATION, Kind.VOICE]),
                               Entry.occurred_at >= since, Entry.occurred_at <= now)
        .order_by(Entry.occurred_at.desc(), Entry.id.desc())).all()
    by_part, untagged = defaultdict(list), 0
    for version in versions(entries):
        if version.withdrawn or not readable(version.entry) or showable.logged_problem(version):
            continue
        if version.data.get("time_of_day") in dict(TIMES_OF_DAY):
            by_part[version.data["time_of_day"]].append(_known(child, version))
        else:
            untagged += 1
    return Day([Part(key, label, by_part[key]) for key, label in TIMES_OF_DAY], untagged, since)


def _known(child, version: Version) -> Known:
    author = version.entry.author.display_name
    if version.entry.kind is Kind.VOICE:
        return Known(version, summary(version), "the child",
                     f"{child.known_as}, in their own words, recorded by {author}", own_words=True)
    data = version.data
    source, sentence = FROM_WHOM[data["source"]]
    detail = f" ({data['source_detail']})" if data.get("source_detail") else ""
    from_whom = sentence.format(author=author, child=child.known_as, detail=detail)
    if data.get("triangulation"):
        from_whom += f", {CHECKED[data['triangulation']]}"
    return Known(version, data["text"], source, from_whom, own_words=False)
