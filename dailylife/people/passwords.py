"""Password hashing (argon2id) and the password rules."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import current_app
from zxcvbn import zxcvbn

MIN_LENGTH = 8
MAX_LENGTH = 128


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(time_cost=config["ARGON2_TIME_COST"],
                          memory_cost=config["ARGON2_MEMORY_KIB"],
                          parallelism=config["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """An account without a password (its owner has not used their set-password link) fails
    like a wrong password, taking as long, so sign-in reveals nothing about it."""
    if password_hash is None:
        burn_time_like_a_check(password)
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def burn_time_like_a_check(password: str) -> None:
    """Spend as long as a real check, so the response time does not reveal unknown emails."""
    verify_password(_dummy_hash(), password)


def _dummy_hash() -> str:
    cached = current_app.extensions.get("dailylife_dummy_hash")
    if cached is None:
        cached = current_app.extensions["dailylife_dummy_hash"] = hash_password("no such account")
    return cached


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is refused, in words a person can act on, or None if it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters; a short phrase of several words works well."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if zxcvbn(password, user_inputs=[email, name, "dailylife"])["score"] < 2:
        return ("This password is too common or too easy to guess. "
                "Try a few unrelated words together.")
    return None
