"""iCalendar files as pure functions: sessions in, RFC 5545 bytes out.

Every file and mail gets its events from ``session_event`` and their UID from ``event_uid``,
so a session is the same calendar entry wherever it comes from (pretix once had two UID
functions that disagreed). Texts are localised with the site's catalogue (Dutch by default);
they read no request or clock and write nothing: whatever varies is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext
from icalendar import Calendar, Event, vCalAddress, vDuration, vText
from icalendar.parser import Contentlines

from ..i18n import localized
from .links import shorten
from .timezones import serialized, shared_vtimezone

PRODID = "-//Smart Industry//eventsite Jaarevent//NL"
# Part of every UID. A constant on purpose: were it taken from the site's address, moving the
# site would turn every event in every attendee's calendar into a duplicate.
UID_DOMAIN = "jaarevent.smartindustry.nl"
# How often subscribed calendars should fetch the feed again (Apple reads REFRESH-INTERVAL,
# Outlook X-PUBLISHED-TTL; Google polls every 8 to 24 hours whatever we say).
REFRESH = timedelta(hours=12)
METHODS = ("PUBLISH", "REQUEST", "CANCEL")

UrlFor = Callable[[object], str]


def event_uid(session) -> str:
    """The UID of ``session`` in every file and mail: stored once, kept across edits."""
    return f"{session.uid}@{UID_DOMAIN}"


def description_text(
    session,
    language: str,
    page_url: str,
    join_url: str | None = None,
    join_note: bool = False,
    max_length: int | None = None,
) -> str:
    """The plain-text DESCRIPTION: theme, hub, chair, speakers, summary and the links.

    ``max_length``: the summary is cut (with "…") so the text fits, keeping the links after
    it (Google's and Outlook's add-event addresses take only so much).
    """
    with force_locale(language):
        lines = []
        theme = localized(session, "theme", language)
        if theme:
            lines.append(gettext("Theme: %(theme)s", theme=theme))
        lines.append(gettext("Hosted by %(hub)s", hub=localized(session.region, "name", language)))
        chair = session.day_chair or session.edition.day_chair
        if chair:
            lines.append(gettext("Day chair: %(name)s", name=chair))
        if session.speakers:
            lines.append(gettext("Speakers:"))
            for speaker in session.speakers:
                extra = ", ".join(x for x in (speaker.role, speaker.company) if x)
                lines.append(f"- {speaker.name}" + (f" ({extra})" if extra else ""))
        summary = localized(session, "description", language) or ""
        head = len(lines)
        lines.append("")
        if join_url:
            lines.append(gettext("Join the session (your personal link): %(url)s", url=join_url))
        elif join_note:
            lines.append(
                gettext(
                    "Join with the personal link from your confirmation mail "
                    "or your registration page."
                )
            )
        lines.append(gettext("Programme and details: %(url)s", url=page_url))
        if session.is_example:
            lines += ["", gettext("The hub, theme, speakers and times are examples.")]
    if summary:
        if max_length is not None:
            room = max_length - len("\n".join(lines)) - len("\n\n")
            summary = shorten(summary, room)
        if summary:
            lines[head:head] = ["", summary]
    return "\n".join(lines)


def session_event(
    session,
    *,
    language: str,
    page_url: str,
    stamp: datetime,
    join_url: str | None = None,
    join_note: bool = False,
    sequence: int | None = None,
) -> Event:
    """The VEVENT for ``session``; times in the edition's zone, SEQUENCE its revision (or,
    in what one attendee gets, ``sequence``: see ``invite``)."""
    zone = ZoneInfo(session.edition.timezone)
    title = localized(session, "title", language)
    if session.is_cancelled:
        # Some clients ignore STATUS in feeds; the title then still tells.
        with force_locale(language):
            title = gettext("Cancelled: %(title)s", title=title)
    event = Event()
    event.add("uid", event_uid(session))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", session.start_at.astimezone(zone))
    event.add("dtend", session.end_at.astimezone(zone))
    event.add("summary", title)
    event.add("description", description_text(session, language, page_url, join_url, join_note))
    event.add("url", join_url or page_url, parameters={"VALUE": "URI"})
    event.add("location", "Online")
    event.add("sequence", session.revision if sequence is None else sequence)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    event.add("last-modified", session.updated_at.astimezone(UTC))
    event.add("transp", "OPAQUE")
    return event


def new_calendar(sessions: Iterable, method: str | None = None, edition=None) -> Calendar:
    """A VCALENDAR with the VTIMEZONEs the sessions (and ``edition``) need; events follow.

    With ``edition``, its zone is there even without sessions: a calendar needs at least
    one component (RFC 5545 3.4), and an empty personal feed is still a valid file.
    """
    if method is not None and method not in METHODS:
        raise ValueError(f"unknown iTIP method {method!r}")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    years: dict[str, list[int]] = {}
    if edition is not None:
        years[edition.timezone] = [edition.starts_on.year, edition.ends_on.year]
    for session in sessions:
        for moment in (session.start_at, session.end_at):
            years.setdefault(session.edition.timezone, []).append(moment.year)
    for zone_name, seen in sorted(years.items()):
        calendar.add_component(shared_vtimezone(zone_name, max(seen)))
    return calendar


def to_ical(calendar: Calendar) -> bytes:
    """``calendar.to_ical()``, byte for byte, with the shared VTIMEZONEs (``new_calendar``)
    written from their bytes serialized once: they are most of a one-event calendar."""
    head = calendar.property_items(recursive=False)[:-1]  # BEGIN and the properties
    lines = Contentlines(calendar.content_line(name, value) for name, value in head)
    lines.append("")
    parts = [lines.to_ical()]
    for component in calendar.subcomponents:
        parts.append(serialized(component) or component.to_ical())
    parts.append(b"END:VCALENDAR\r\n")
    return b"".join(parts)


def _feed_properties(calendar: Calendar, name: str, zone_name: str) -> None:
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone_name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))


def _add_events(
    calendar: Calendar,
    sessions,
    language: str,
    page_url_for: UrlFor,
    join_url_for: UrlFor | None = None,
    sequence_for: Callable[[object], int | None] | None = None,
) -> None:
    """One VEVENT per session; DTSTAMP is the session's last change, so unchanged sessions
    give the same bytes (and ETag)."""
    for session in sessions:
        calendar.add_component(
            session_event(
                session,
                language=language,
                page_url=page_url_for(session),
                stamp=session.updated_at,
                join_url=join_url_for(session) if join_url_for else None,
                sequence=sequence_for(session) if sequence_for else None,
            )
        )


def session_calendar(session, *, page_url_for: UrlFor, language: str = "nl") -> bytes:
    """One session as a file to download and open ("add to my calendar").

    No METHOD: a plain file, so DTSTAMP is the session's last change and the same session
    gives the same bytes (and ETag) until it changes.
    """
    calendar = new_calendar([session])
    _add_events(calendar, [session], language, page_url_for)
    return to_ical(calendar)


def edition_calendar(
    edition, sessions, *, page_url_for: UrlFor, language: str = "nl", method: str | None = None
) -> bytes:
    """An edition's whole programme as a feed to subscribe to, cancelled sessions included."""
    sessions = list(sessions)
    calendar = new_calendar(sessions, method, edition)
    _feed_properties(calendar, localized(edition, "name", language), edition.timezone)
    _add_events(calendar, sessions, language, page_url_for)
    return to_ical(calendar)


def personal_calendar(
    attendee,
    sessions,
    join_url_for: UrlFor,
    *,
    page_url_for: UrlFor,
    language: str | None = None,
    sequence_for: Callable[[object], int | None] | None = None,
) -> bytes:
    """The attendee's own sessions, each with the personal join link (never the stream link:
    calendars get shared, and the join link can be checked and withdrawn); ``sequence_for``:
    the SEQUENCE of the attendee's invites, as ``invite``."""
    sessions = list(sessions)
    language = language or attendee.language
    calendar = new_calendar(sessions, edition=attendee.edition)
    with force_locale(language):
        edition_name = localized(attendee.edition, "name", language)
        name = gettext("%(edition)s: my sessions", edition=edition_name)
    _feed_properties(calendar, name, attendee.edition.timezone)
    _add_events(calendar, sessions, language, page_url_for, join_url_for, sequence_for)
    return to_ical(calendar)


def sessions_calendar(
    attendee,
    sessions,
    join_url_for: UrlFor,
    *,
    page_url_for: UrlFor,
    sequence_for: Callable[[object], int | None] | None = None,
) -> bytes:
    """The sessions an attendee chose, as one METHOD:PUBLISH file (the welcome mail's
    attachment): each with the personal join link, no ORGANIZER or ATTENDEE, so clients
    import it as events rather than treat it as an invitation."""
    sessions = list(sessions)
    calendar = new_calendar(sessions, "PUBLISH")
    _add_events(
        calendar, sessions, attendee.language, page_url_for, join_url_for, sequence_for
    )
    return to_ical(calendar)


def invite(
    session,
    attendee,
    method: str = "REQUEST",
    *,
    organizer_email: str,
    organizer_name: str,
    page_url: str,
    stamp: datetime,
    join_url: str | None = None,
    whole_session: bool = True,
    sequence: int | None = None,
) -> bytes:
    """An iTIP message (RFC 5546) for one attendee: METHOD:REQUEST adds or updates the event,
    METHOD:CANCEL removes it.

    ``sequence`` is this attendee's: the session's revision plus their own changes
    (``Registration.calendar_sequence``), so each message is newer than the one before. An
    attendee who drops a session gets a CANCEL one higher than their invite
    (``whole_session=False``: no STATUS:CANCELLED, as RFC 5546 3.2.5 asks when uninviting);
    should they sign up again, the REQUEST is one higher still. With an equal SEQUENCE,
    Google, Outlook and Tutanota ignore the later message whatever its DTSTAMP.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"an invite is a REQUEST or a CANCEL, not {method!r}")
    language = attendee.language
    calendar = new_calendar([session], method)
    event = session_event(
        session,
        language=language,
        page_url=page_url,
        stamp=stamp,
        join_url=join_url,
        join_note=join_url is None,
        sequence=sequence,
    )
    if method == "CANCEL":
        event.pop("STATUS")
        if whole_session or session.is_cancelled:
            event.add("status", "CANCELLED")
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["CN"] = vText(organizer_name)
    event.add("organizer", organizer)
    # We do not process replies (there is no mailbox reading them), so we ask for none:
    # RSVP=FALSE. Sign-up and cancelling happen on the site.
    guest = vCalAddress(f"mailto:{attendee.email}")
    guest.params["CN"] = vText(attendee.name)
    guest.params["ROLE"] = vText("REQ-PARTICIPANT")
    guest.params["PARTSTAT"] = vText("NEEDS-ACTION")
    guest.params["RSVP"] = vText("FALSE")
    event.add("attendee", guest)
    calendar.add_component(event)
    return to_ical(calendar)
