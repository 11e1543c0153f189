"""The organisers blueprint object; the views in views/ add their routes to it."""

from flask import Blueprint

bp = Blueprint("organisers", __name__, url_prefix="/organiser", cli_group="organisers")
