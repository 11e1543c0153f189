"""Google Calendar and Outlook add-event links, and the feed subscription links."""

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from eventsite.ical import links

START = datetime(2021, 5, 31, 13, tzinfo=UTC)
END = datetime(2021, 5, 31, 14, 30, tzinfo=UTC)
TITLE = "Slim produceren, met data & sensoren; café"


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, strict_parsing=True).items()}


def test_google_link_has_utc_dates_and_the_dutch_zone():
    url = links.google_calendar_url(
        title=TITLE,
        start=START,
        end=END,
        details="Regel 1\nRegel 2: https://x.example/a?b=c",
        location="Online",
        zone="Europe/Amsterdam",
    )
    assert url.startswith("https://calendar.google.com/calendar/render?")
    params = query(url)
    assert params == {
        "action": "TEMPLATE",
        "text": TITLE,
        "dates": "20210531T130000Z/20210531T143000Z",
        "details": "Regel 1\nRegel 2: https://x.example/a?b=c",
        "location": "Online",
        "ctz": "Europe/Amsterdam",
    }
    assert "+" not in url  # spaces as %20


def test_outlook_links_for_personal_and_work_accounts():
    common = dict(title=TITLE, start=START, end=END, body="Tekst", location="Online")
    personal = links.outlook_url(**common)
    work = links.outlook_url(**common, work_account=True)
    assert personal.startswith("https://outlook.live.com/calendar/0/deeplink/compose?")
    assert work.startswith("https://outlook.office.com/calendar/0/deeplink/compose?")
    params = query(personal)
    assert params == {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": TITLE,
        "startdt": "2021-05-31T13:00:00Z",
        "enddt": "2021-05-31T14:30:00Z",
        "body": "Tekst",
        "location": "Online",
    }


def test_an_aware_local_time_is_turned_into_utc():
    from zoneinfo import ZoneInfo

    local = datetime(2030, 11, 25, 15, tzinfo=ZoneInfo("Europe/Amsterdam"))
    url = links.google_calendar_url(
        title="x", start=local, end=local, details="", location="", zone="Europe/Amsterdam"
    )
    assert query(url)["dates"] == "20301125T140000Z/20301125T140000Z"


def test_very_long_details_are_cut():
    url = links.google_calendar_url(
        title="x", start=START, end=END, details="a" * 5000, location="", zone="UTC"
    )
    assert len(query(url)["details"]) == links.MAX_DETAILS


def test_webcal_and_google_subscription():
    feed = "https://jaarevent.example/editions/2027/calendar.ics?lang=nl"
    assert links.webcal_url(feed) == "webcal://jaarevent.example/editions/2027/calendar.ics?lang=nl"
    google = links.google_subscribe_url(feed)
    assert query(google) == {"cid": "webcal://jaarevent.example/editions/2027/calendar.ics?lang=nl"}
