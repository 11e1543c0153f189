"""The data download (GDPR art. 15 and 20): everything stored about one person, as a dict."""

from __future__ import annotations

from . import questions
from .models import Attendee
from .signup_requests import request_sessions


def export_data(attendee: Attendee) -> dict:
    """Everything stored about a person, for the data download (GDPR art. 15 and 20)."""

    def moment(value):
        return value.isoformat() if value else None

    return {
        "edition": attendee.edition.name,
        "name": attendee.name,
        "email": attendee.email,
        "organisation": attendee.organisation,
        "role": attendee.role,
        "language": attendee.language,
        "newsletter": attendee.newsletter,
        # Where the sign-up came from (a campaign link's code or utm_* values), if known.
        "source": attendee.source or None,
        # Answers to the organisers' questions on the sign-up form.
        "answers": questions.download(attendee),
        "organiser_messages_stopped": attendee.messages_opt_out,
        # When and how, e.g. "one-click unsubscribe" from a message's List-Unsubscribe.
        "organiser_messages_stopped_at": moment(attendee.messages_opt_out_at),
        "organiser_messages_stopped_by": attendee.messages_opt_out_via,
        "consent": {
            "privacy_statement_version": attendee.consent_version,
            "signed_up_at": moment(attendee.created_at),
            "signed_up_from_ip": attendee.signup_ip,
            "confirmed_at": moment(attendee.confirmed_at),
            "confirmed_from_ip": attendee.confirm_ip,
        },
        "registrations": [
            {
                "session": r.session.title,
                "starts_at": moment(r.session.start_at),
                "state": r.state,
                "registered_at": moment(r.created_at),
                "confirmed_at": moment(r.confirmed_at),
                "waiting_since": moment(r.waiting_since),
                "cancelled_at": moment(r.cancelled_at),
                "reminder_sent_at": moment(r.reminder_sent_at),
                # Uses of the personal join link around the session (attendance).
                "joined_first_at": moment(r.attendance.first_joined_at if r.attendance else None),
                "joined_last_at": moment(r.attendance.last_joined_at if r.attendance else None),
                # The answer on the feedback form, if given (see feedback.py).
                "feedback": _feedback(r.feedback, moment),
            }
            for r in sorted(attendee.registrations, key=lambda r: r.session.start_at)
        ],
        # Every submission of the form with this address that we still keep (see purge).
        "sign_up_requests": [
            {
                "name": request.name,
                "organisation": request.organisation,
                "role": request.role,
                "language": request.language,
                "newsletter": request.newsletter,
                "sessions": [s.title for s in request_sessions(request)],
                "submitted_at": moment(request.created_at),
                "submitted_from_ip": request.signup_ip,
                "confirmed_with_its_link_at": moment(request.used_at),
            }
            for request in attendee.signup_requests
        ],
    }


def _feedback(feedback, moment) -> dict | None:
    if feedback is None:
        return None
    return {
        "rating": feedback.rating,
        "what_i_will_do_with_it": feedback.takeaway,
        "hub_question": feedback.question,
        "answer": feedback.answer,
        "given_at": moment(feedback.created_at),
        "changed_at": moment(feedback.updated_at),
    }
