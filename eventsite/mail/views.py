"""The mail blueprint: the `flask mail ...` commands and the development outbox page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mail", __name__, cli_group="mail")
