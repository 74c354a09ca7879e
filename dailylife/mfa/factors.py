"""Who must prove a second factor, what they have enrolled, and what they may remove."""

import sqlalchemy as sa
from flask import current_app

from dailylife import audit
from dailylife.extensions import db
from dailylife.mfa import totp
from dailylife.mfa.models import AuthenticatorApp, Passkey, RecoveryCode
from dailylife.people import sessions
from dailylife.people.models import Role, User


class LastFactor(Exception):
    """Removing this would leave a user whose role requires a second factor without one."""


def parse_required_roles(text) -> frozenset[Role]:
    """``DAILYLIFE_MFA_REQUIRED_ROLES``: a comma list of roles (empty: nobody is required)."""
    if isinstance(text, (set, frozenset, list, tuple)):
        return frozenset(Role(role) for role in text)
    names = [name.strip().lower() for name in str(text or "").split(",") if name.strip()]
    unknown = sorted(set(names) - {role.value for role in Role})
    if unknown:
        raise ValueError(f"DAILYLIFE_MFA_REQUIRED_ROLES names unknown roles {unknown}; use a comma "
                         f"list of {', '.join(role.value for role in Role)}, or leave it empty.")
    return frozenset(Role(name) for name in names)


def is_required(user: User) -> bool:
    return user.role in current_app.config["MFA_REQUIRED_ROLES"]


def passkeys_of(user: User) -> list[Passkey]:
    return list(db.session.scalars(
        sa.select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.created_at)))


def has_second_factor(user: User) -> bool:
    return totp.confirmed_app_of(user) is not None or bool(passkeys_of(user))


def needs_second_factor(user: User) -> bool:
    """After the password: anyone who enrolled one, and everyone whose role requires one."""
    return has_second_factor(user) or is_required(user)


def _factor_count(user: User) -> int:
    return (totp.confirmed_app_of(user) is not None) + len(passkeys_of(user))


def remove_authenticator_app(user: User) -> None:
    found = totp.app_of(user)
    if found is None:
        return
    if found.confirmed_at is not None:
        _refuse_if_last(user)
    db.session.delete(found)
    audit.record("mfa_removed", actor=user, factor="totp")
    _forget_recovery_codes_if_no_factor(user)


def remove_passkey(user: User, passkey: Passkey) -> None:
    _refuse_if_last(user)
    db.session.delete(passkey)
    audit.record("mfa_removed", actor=user, factor="passkey", passkey=str(passkey.id))
    _forget_recovery_codes_if_no_factor(user)


def _refuse_if_last(user: User) -> None:
    if is_required(user) and _factor_count(user) <= 1:
        raise LastFactor(f"Your role ({user.role.label}) must sign in with a second factor. Add "
                         "another authenticator app or passkey first, then remove this one.")


def _forget_recovery_codes_if_no_factor(user: User) -> None:
    db.session.flush()
    if not has_second_factor(user):
        db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def reset(user: User, actor: str) -> int:
    """The operator's answer to a lost phone: remove every factor and code, end every session.
    The user enrols again at their next sign-in (if their role requires it)."""
    for model in (AuthenticatorApp, Passkey, RecoveryCode):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    ended = sessions.end_all_for(user, "mfa_reset")
    audit.record("mfa_reset", user=str(user.id), by=actor, sessions_ended=str(ended))
    return ended
