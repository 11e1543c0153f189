"""How the organisers' own audit entries read: exports, session edits and cancellations,
messages, accounts, passwords and profiles (see audit_sentences for the mechanism).

`register()` is called by the package's init_app; importing this module registers nothing.
Features that record other kinds (editions, speakers, ...) register their own sentences.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .audit_sentences import kind, sentence, words


def register() -> None:
    """Every kind, word and sentence of this module."""
    _kinds()
    _words()
    _export_sentences()
    _session_sentences()
    _account_sentences()


def _kinds() -> None:
    for prefix, label in {
        "export": _l("Downloads of attendee lists"),
        "session": _l("Sessions"),
        "message": _l("Messages to attendees"),
        "account": _l("Accounts"),
        "password": _l("Passwords"),
        "profile": _l("Own profiles"),
        "edition": _l("Editions"),
        "speaker": _l("Speakers"),
        "video": _l("Videos"),
        "hub": _l("Hubs"),
    }.items():
        kind(prefix, label)


def _words() -> None:
    words(
        "fields",
        {
            "title": _l("the Dutch title"),
            "title_en": _l("the English title"),
            "theme": _l("the Dutch theme"),
            "theme_en": _l("the English theme"),
            "description": _l("the Dutch description"),
            "description_en": _l("the English description"),
            "start_at": _l("the start"),
            "end_at": _l("the end"),
            "capacity": _l("the number of places"),
            "stream_url": _l("the stream link"),
            "recording_url": _l("the recording link"),
            "speakers": _l("the speakers"),
            "name": _l("the name"),
            "language": _l("the language"),
        },
    )
    words(
        "group",
        {
            "confirmed": _l("everyone with a place"),
            "waiting": _l("the waiting list"),
            "joined": _l("those who joined"),
            "not_joined": _l("those with a place who did not join"),
        },
    )
    words("language", {"nl": _l("Dutch"), "en": _l("English")})


def _export_sentences() -> None:
    sentence(
        "export.csv:session",
        _l("%(actor)s downloaded the attendees of the session '%(title)s' as a CSV file"),
    )
    sentence(
        "export.xlsx:session",
        _l("%(actor)s downloaded the attendees of the session '%(title)s' as an Excel file"),
    )
    sentence(
        "export.csv:all",
        _l(
            "%(actor)s downloaded the attendees of all their sessions of %(edition)s "
            "(%(sessions)s) as a CSV file"
        ),
    )
    sentence(
        "export.xlsx:all",
        _l(
            "%(actor)s downloaded the attendees of all their sessions of %(edition)s "
            "(%(sessions)s) as an Excel file"
        ),
    )
    sentence("export.csv:legacy", _l("%(actor)s downloaded attendees as a CSV file (%(target)s)"))
    sentence(
        "export.xlsx:legacy", _l("%(actor)s downloaded attendees as an Excel file (%(target)s)")
    )


def _session_sentences() -> None:
    sentence("session.edit:moved", _l("%(actor)s moved the session '%(title)s' to %(start_at)s"))
    sentence(
        "session.edit:renamed", _l("%(actor)s renamed the session '%(old_title)s' to '%(title)s'")
    )
    sentence("session.edit", _l("%(actor)s changed the session '%(title)s': %(fields)s"))
    sentence("session.edit:legacy", _l("%(actor)s changed the session %(target)s"))
    sentence("session.cancel", _l("%(actor)s cancelled the session '%(title)s' of %(start_at)s"))
    sentence("session.cancel:legacy", _l("%(actor)s cancelled the session %(target)s"))
    sentence(
        "message.send",
        _l(
            "%(actor)s sent a message about the session '%(title)s' to %(group)s "
            "(%(recipients)s people)"
        ),
    )
    sentence("message.send:legacy", _l("%(actor)s sent a message about the session %(target)s"))
    sentence(
        "message.recording",
        _l(
            "%(actor)s mailed the recording of the session '%(title)s' to %(joined)s people "
            "who joined and %(missed)s who missed it"
        ),
    )
    sentence(
        "message.recording:legacy",
        _l("%(actor)s mailed the recording of the session %(target)s"),
    )


def _account_sentences() -> None:
    for action, verb in (("account.create", "created"), ("account.invite", "invited")):
        _account_pair(action, verb)
    sentence(
        "account.update:admin",
        _l("%(actor)s made %(name)s (%(email)s) a member of the programme office (admin)"),
    )
    sentence(
        "account.update:region",
        _l("%(actor)s made %(name)s (%(email)s) an organiser of the hub %(hub)s"),
    )
    sentence("account.disable", _l("%(actor)s disabled the account of %(name)s (%(email)s)"))
    sentence("account.disable:legacy", _l("%(actor)s disabled the account %(target)s"))
    sentence("account.enable", _l("%(actor)s enabled the account of %(name)s (%(email)s) again"))
    sentence("account.resend", _l("%(actor)s sent %(name)s (%(email)s) a new invitation"))
    sentence("password.set", _l("%(actor)s set their password with a link from a mail"))
    sentence("password.set:profile", _l("%(actor)s changed their password"))
    sentence("password.set:legacy", _l("%(actor)s set their password"))
    sentence("profile.update", _l("%(actor)s changed their own profile: %(fields)s"))


def _account_pair(action: str, verb: str) -> None:
    """The two sentences of creating or inviting an account (programme office or hub)."""
    if verb == "created":
        admin = _l("%(actor)s created an account for %(name)s (%(email)s) in the programme office")
        region = _l(
            "%(actor)s created an account for %(name)s (%(email)s), organiser of the hub %(hub)s"
        )
        legacy = _l("%(actor)s created the account %(target)s")
    else:
        admin = _l("%(actor)s invited %(name)s (%(email)s) to the programme office")
        region = _l("%(actor)s invited %(name)s (%(email)s) as organiser of the hub %(hub)s")
        legacy = _l("%(actor)s invited %(target)s")
    sentence(f"{action}:admin", admin)
    sentence(f"{action}:region", region)
    sentence(f"{action}:legacy", legacy)
