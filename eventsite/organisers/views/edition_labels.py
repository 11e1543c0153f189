"""The editions' statuses in the organiser's language."""

from flask_babel import lazy_gettext as _l

from ...programme.status import EditionStatus

STATUS_LABELS = {
    EditionStatus.DRAFT: _l("draft"),
    EditionStatus.PUBLISHED: _l("published"),
    EditionStatus.OPEN: _l("open for sign-up"),
    EditionStatus.CLOSED: _l("sign-up closed"),
    EditionStatus.ARCHIVED: _l("archived"),
}
