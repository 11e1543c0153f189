"""The API blueprint: everything under /api/v1/ answers JSON, errors too."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
