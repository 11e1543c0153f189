"""Password policy (ASVS v5 6.2): length, not a common password, no composition rules."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8
RECOMMENDED_LENGTH = 15
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

# Compared with when an address is unknown, so a failed login takes as long either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password-only-for-timing", method="scrypt")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords that attackers try first, lowercased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    words = (line.strip().lower() for line in lines)
    return frozenset(w for w in words if w and not w.startswith("#"))


def password_problem(password: str, email: str = ""):
    """Why ``password`` is not acceptable (a lazy text), or None when it is."""
    if len(password) < MIN_LENGTH:
        return _l(
            "Use at least %(n)d characters (%(r)d or more is better).",
            n=MIN_LENGTH,
            r=RECOMMENDED_LENGTH,
        )
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(n)d characters.", n=MAX_LENGTH)
    lowered = password.strip().lower()
    if lowered in common_passwords() or (email and lowered == email.lower()):
        return _l("This password is too common or too easy to guess; choose another.")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def check_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; checks a dummy hash when there is none (same timing)."""
    if not password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)
