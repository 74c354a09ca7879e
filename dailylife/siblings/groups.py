"""Brothers and sisters: children linked as one sibling group (``Child.sibling_group_id``).

A concern about one child has to reach the record of their brother, so the team's supervisor
links siblings; then what happens to the household can be recorded once for all of them
(``entries.operations.entry_rows``), and each child's page shows the others' open signals.
Whoever reads the group sees only the siblings they may see themselves: the others are left out,
never named.
"""

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from dailylife import audit
from dailylife.access import WRITE_ACTION, Action, actions_on_each, visible_children_query
from dailylife.children.models import Child
from dailylife.extensions import db

#: What a page or the sync API answers for a child named as a sibling that is not one the user
#: may link or write about: the same words whether the child exists or not.
NOT_FOUND = "No child you work with was found under that name. Choose one from the list."
SELF = "A child cannot be linked to themselves: choose their brother or sister."


class SiblingRefused(ValueError):
    """The link or unlink cannot be made; ``message`` is for the person, ``status`` the answer.
    ``unseen`` is the id of a child the user may not see (the refusal is audited)."""

    def __init__(self, message: str, status: int = 400, unseen: uuid.UUID | None = None):
        super().__init__(message)
        self.message, self.status, self.unseen = message, status, unseen


def relation(child: Child) -> str:
    """What the child is to their siblings, in words, from the pronouns recorded for them."""
    pronouns = (child.pronouns or "").strip().casefold()
    if pronouns.startswith("she"):
        return "sister"
    if pronouns.startswith("he"):
        return "brother"
    return "sibling"


def named(child: Child) -> str:
    """"Amy (sister)": how a sibling is named next to what is theirs."""
    return f"{child.known_as} ({relation(child)})"


def members(child: Child) -> list[Child]:
    """The other children of the child's group, by name (all of them: callers filter)."""
    if child.sibling_group_id is None:
        return []
    return list(db.session.scalars(sa.select(Child).where(
        Child.sibling_group_id == child.sibling_group_id, Child.id != child.id)
        .order_by(Child.display_name)))


def siblings_for(user, child: Child, needed: Action = Action.READ_RECORD) -> list[Child]:
    """The child's brothers and sisters for whom ``user`` may do ``needed``; the others are left
    out without a trace."""
    others = members(child)
    allowed = actions_on_each(user, others)
    return [other for other in others if needed in allowed[other.id]]


def offer(user, child: Child, kind: str) -> list[tuple[str, str]]:
    """The (id, words) choices of "Also record for" on a page recording ``kind`` about ``child``."""
    return [(str(other.id), named(other))
            for other in siblings_for(user, child, WRITE_ACTION[kind])]


def candidates(user, child: Child) -> list[Child]:
    """The children ``user`` may link to ``child``: those they may link, not yet in its group."""
    query = visible_children_query(user).where(Child.id != child.id).order_by(Child.display_name)
    if child.sibling_group_id is not None:
        query = query.where(sa.or_(Child.sibling_group_id.is_(None),
                                   Child.sibling_group_id != child.sibling_group_id))
    found = db.session.scalars(query).all()
    allowed = actions_on_each(user, found)
    return [other for other in found if Action.LINK_SIBLINGS in allowed[other.id]]


def _named_child(user, text: str | None, needed: Action) -> Child:
    """The child whose id was sent, if ``user`` may do ``needed`` to them; anything else, an
    unknown id or another team's child, is the same refusal."""
    try:
        child_id = uuid.UUID(str(text))
    except ValueError:
        raise SiblingRefused(NOT_FOUND, 404) from None
    found = db.session.get(Child, child_id)
    if found is None or needed not in actions_on_each(user, [found])[found.id]:
        raise SiblingRefused(NOT_FOUND, 404, unseen=child_id)
    return found


def link(actor, child: Child, other_id: str | None) -> Child:
    """Link ``child`` and the child named by ``other_id`` as brothers and sisters. Two groups
    become one: the brother of my sister is my brother too."""
    if not other_id:
        raise SiblingRefused("Choose the brother or sister to link.")
    other = _named_child(actor, other_id, Action.LINK_SIBLINGS)
    if other.id == child.id:
        raise SiblingRefused(SELF)
    if child.sibling_group_id is not None and other.sibling_group_id == child.sibling_group_id:
        raise SiblingRefused(f"{other.known_as} and {child.known_as} are already linked.")
    group = child.sibling_group_id or other.sibling_group_id or uuid.uuid4()
    joining = [other.sibling_group_id] if other.sibling_group_id not in (None, group) else []
    db.session.execute(sa.update(Child).where(sa.or_(
        Child.id.in_([child.id, other.id]), Child.sibling_group_id.in_(joining)))
        .values(sibling_group_id=group))
    db.session.refresh(child)
    audit.record("link_siblings", actor=actor, child_id=child.id, sibling=str(other.id),
                 group=str(group))
    return other


def unlink(actor, child: Child, sibling_id: str | None) -> Child:
    """Take a brother or sister out of the child's group; a group of one is no group."""
    if not sibling_id:
        raise SiblingRefused("Choose the brother or sister to unlink.")
    sibling = _named_child(actor, sibling_id, Action.LINK_SIBLINGS)
    if sibling.id == child.id:
        raise SiblingRefused(SELF)
    if child.sibling_group_id is None or sibling.sibling_group_id != child.sibling_group_id:
        raise SiblingRefused(f"{sibling.known_as} is not linked to {child.known_as}.")
    group = child.sibling_group_id
    sibling.sibling_group_id = None
    left = db.session.scalars(sa.select(Child).where(Child.sibling_group_id == group)).all()
    if len(left) == 1:
        left[0].sibling_group_id = None
    audit.record("unlink_siblings", actor=actor, child_id=child.id, sibling=str(sibling.id),
                 group=str(group))
    return sibling


def audit_refusal(refused: SiblingRefused, child: Child) -> None:
    """A link refused is audited in its own commit (the refused request's work is rolled back);
    a child the user may not see is audited as any other refused child is."""
    db.session.rollback()
    if refused.unseen is not None:
        audit.record("refused", child_id=refused.unseen, requested=Action.LINK_SIBLINGS.value,
                     sibling_of=str(child.id))
    else:
        audit.record("link_siblings_refused", child_id=child.id, reason=refused.message)
    db.session.commit()


@dataclass
class AlsoFor:
    """The brothers and sisters an entry is recorded for as well, or why it cannot be."""

    siblings: list[Child]
    problem: str | None = None
    #: Ids named that are not siblings the writer may record about (audited as refused).
    unseen: tuple[uuid.UUID, ...] = ()


def also_for(author, child: Child, ids: list[str], kind: str) -> AlsoFor:
    """The siblings named in ``also_for``: each must be in the child's group and one the author
    may write this kind about; a child outside the group and one the author may not see get the
    same answer."""
    wanted = [uuid.UUID(value) for value in ids]  # the kind's schema checked they are UUIDs
    if child.id in wanted:
        return AlsoFor([], f"{child.known_as}'s own entry is already recorded: name only "
                           "brothers and sisters here.")
    allowed = {other.id: other for other in siblings_for(author, child, WRITE_ACTION[kind])}
    unseen = tuple(value for value in wanted if value not in allowed)
    if unseen:
        return AlsoFor([], f"Only brothers and sisters of {child.known_as} that you record about "
                           "can be named here: one named is not.", unseen)
    return AlsoFor([allowed[value] for value in wanted])
