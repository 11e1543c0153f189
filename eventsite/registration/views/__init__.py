"""Public registration pages: sign-up and confirmation (``signup.py``) and the personal
management page (``personal.py``), on one blueprint (``blueprint.py``)."""

from . import feedback, interest, personal, signup, unsubscribe  # noqa: F401 (their routes)
from .blueprint import bp

__all__ = ["bp"]
