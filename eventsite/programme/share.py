"""How a session looks when shared or found: schema.org JSON-LD and a share image.

The JSON-LD follows Google's rules for online events: ``eventAttendanceMode`` online,
a ``VirtualLocation`` (the public page: the stream link stays private), a free ``Offer``,
the organiser, and start and end with their UTC offset. The share image (1200 × 630, what
LinkedIn, WhatsApp and X show) carries the title, the date and time and the hosting hub.
"""

from __future__ import annotations

import io
import textwrap

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont

from ..core.seo import site_address
from ..formatting import in_zone, when
from ..i18n import current_language, localized
from .models import ProgrammeSession

WIDTH, HEIGHT = 1200, 630
NAVY, WHITE, ORANGE, MIST = "#003e57", "#ffffff", "#ff9a5c", "#cfe3ec"


def session_jsonld(session: ProgrammeSession) -> dict:
    """A schema.org ``Event`` for one session, as Google's event rich results want it."""
    zone = session.edition.timezone
    page = site_address(f"/sessions/{session.slug}", current_language())
    status = "EventCancelled" if session.is_cancelled else "EventScheduled"
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": localized(session, "title"),
        "description": localized(session, "description") or localized(session, "theme"),
        "startDate": in_zone(session.start_at, zone).replace(microsecond=0).isoformat(),
        "endDate": in_zone(session.end_at, zone).replace(microsecond=0).isoformat(),
        "eventStatus": f"https://schema.org/{status}",
        "eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode",
        "location": {"@type": "VirtualLocation", "url": page},
        "image": [site_address(f"/sessions/{session.slug}/share.png")],
        "inLanguage": "nl",
        "isAccessibleForFree": True,
        "offers": {
            "@type": "Offer",
            "price": "0",
            "priceCurrency": "EUR",
            "availability": "https://schema.org/SoldOut"
            if session.is_full
            else "https://schema.org/InStock",
            "url": page,
        },
        "organizer": {
            "@type": "Organization",
            "name": localized(session.region, "name"),
            "url": site_address("/"),
        },
        "url": page,
    }
    if session.speakers:
        data["performer"] = [{"@type": "Person", "name": s.name} for s in session.speakers]
    return data


def page_facts(session: ProgrammeSession) -> dict:
    """What a session page's head needs: the date line, a summary, the JSON-LD."""
    session_when = when(session.start_at, session.end_at, session.edition.timezone)
    summary = _("%(when)s, online, hosted by %(hub)s. Free for entrepreneurs.",
                when=session_when, hub=localized(session.region, "name"))
    theme = localized(session, "theme")
    return {
        "session_when": session_when,
        "session_summary": f"{theme}. {summary}" if theme else summary,
        "session_jsonld": session_jsonld(session),
    }


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans Bold where the system has it, else Pillow's built-in scalable font."""
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def share_date(session: ProgrammeSession) -> str:
    """The share image's date line, with the year: a shared post is seen long after, and
    next year's edition falls on the same days ('ma 31 mei 2027, 15.00–16.30 uur')."""
    return when(session.start_at, session.end_at, session.edition.timezone, year=True)


def share_image(session: ProgrammeSession) -> bytes:
    """A 1200 × 630 PNG: the event, the session's title, its date and time, the hub."""
    image = Image.new("RGB", (WIDTH, HEIGHT), NAVY)
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, 24, HEIGHT), fill=ORANGE)
    pen.text((80, 64), current_app.config["SITE_NAME"], font=_font(36), fill=MIST)
    y = 150
    for line in textwrap.wrap(localized(session, "title"), width=30)[:3]:
        pen.text((80, y), line, font=_font(64), fill=WHITE)
        y += 80
    pen.text((80, HEIGHT - 190), share_date(session), font=_font(40), fill=ORANGE)
    pen.text((80, HEIGHT - 120), localized(session.region, "name"), font=_font(36), fill=WHITE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
