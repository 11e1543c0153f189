"""Links that open a calendar's "add event" or "subscribe" page prefilled (pure functions).

Google Calendar and Outlook on the web cannot open an .ics file from a link, but they take the
event's fields in the address. Times go in as UTC, so no client has to guess the zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

GOOGLE_ADD = "https://calendar.google.com/calendar/render"
OUTLOOK_COM = "https://outlook.live.com/calendar/0/deeplink/compose"
# Work and school accounts (Microsoft 365) live on another host with the same parameters.
OUTLOOK_365 = "https://outlook.office.com/calendar/0/deeplink/compose"
# Long descriptions are cut: browsers and these services refuse very long addresses.
MAX_DETAILS = 1200


def _query(params: dict[str, str]) -> str:
    # %20 rather than "+" for spaces: Outlook shows a "+" literally. Slashes stay readable.
    return urlencode(params, quote_via=quote, safe="/")


def shorten(text: str, length: int = MAX_DETAILS) -> str:
    """``text``, or as much of it as fits in ``length`` characters with "…"; "" if none."""
    if len(text) <= length:
        return text
    if length < 2:
        return ""
    return text[: length - 1].rstrip() + "…"


def _google_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def google_calendar_url(
    *, title: str, start: datetime, end: datetime, details: str, location: str, zone: str
) -> str:
    """Google Calendar's add-event page with the event filled in."""
    params = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{_google_time(start)}/{_google_time(end)}",
        "details": shorten(details),
        "location": location,
        # Shown in the event's zone, not the browser's, when the two differ.
        "ctz": zone,
    }
    return f"{GOOGLE_ADD}?{_query(params)}"


def outlook_url(
    *,
    title: str,
    start: datetime,
    end: datetime,
    body: str,
    location: str,
    work_account: bool = False,
) -> str:
    """Outlook on the web's new-event page (Outlook.com, or Microsoft 365 for work accounts)."""
    params = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": _iso_utc(start),
        "enddt": _iso_utc(end),
        "body": shorten(body),
        "location": location,
    }
    return f"{OUTLOOK_365 if work_account else OUTLOOK_COM}?{_query(params)}"


def webcal_url(url: str) -> str:
    """The same address with the ``webcal`` scheme, which calendar apps open as a subscription."""
    parts = urlsplit(url)
    return urlunsplit(("webcal", *parts[1:]))


def google_subscribe_url(feed_url: str) -> str:
    """Google Calendar's "add calendar by URL" page for a feed (Android has no webcal handler)."""
    return f"https://calendar.google.com/calendar/render?{_query({'cid': webcal_url(feed_url)})}"
