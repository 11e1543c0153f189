"""The public face (issue 16): design assets, Dutch times, card states, findability,
sharing, compression, the sign-up flow's fixes, mails, and the organiser chart."""

from __future__ import annotations

import gzip
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from eventsite.extensions import db
from eventsite.organisers.charts import MAX_BAR, bar_chart
from eventsite.programme.models import ProgrammeSession
from eventsite.programme.share import share_date
from eventsite.registration.typos import suggest
from tests.helpers import csrf_token, outbox, sign_up, signed_up_and_confirmed, states
from tests.helpers import log_in as _log_in


def log_in(client, email: str) -> None:
    """Log in through the real form."""
    assert _log_in(client, email).status_code == 302


def jsonld(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found, "no JSON-LD"
    return json.loads(found.group(1))


def meta(html: str, key: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    assert found, f"no {key}"
    return found.group(1)


# --- Times, states, one call to action ---------------------------------------------------


def test_cards_say_day_and_time_the_dutch_way_and_one_action(client, open_edition):
    html = client.get("/").get_data(as_text=True)
    assert "ma 31 mei</time>, <span class=\"nowrap\">15.00–16.30 uur</span>" in html
    assert "CEST" not in html and "Europe/Amsterdam" not in html
    cards = re.findall(r'<article class="card session-card".*?</article>', html, re.S)
    assert len(cards) == 5
    for card in cards:
        assert card.count('class="button') == 1  # one clear call to action
        assert "Plaatsen vrij" in card
    # Fractions of seconds are not valid in <time datetime>.
    assert 'datetime="2027-05-31T13:00:00+00:00"' in html


def test_states_almost_full_waiting_live_and_recording(client, open_edition, clock):
    noord = open_edition.sessions[0]
    noord.capacity, noord.confirmed_count = 40, 36
    db.session.commit()
    card = client.get("/?lang=en").get_data(as_text=True)
    assert "Almost full" in card
    noord.confirmed_count = 40
    db.session.commit()
    assert "Join the waiting list" in client.get("/?lang=en").get_data(as_text=True)

    clock.set(noord.start_at + timedelta(minutes=10))
    live = client.get("/sessions/2027-noord?lang=nl").get_data(as_text=True)
    assert "Nu live" in live and "Nu meekijken" in live
    clock.set(noord.end_at + timedelta(hours=1))
    noord.recording_url = "https://video.example/noord"
    db.session.commit()
    after = client.get("/sessions/2027-noord").get_data(as_text=True)
    assert "Opname online" in after and 'href="https://video.example/noord"' in after
    assert "Nu live" not in after


def test_english_is_british_and_names_are_translated(client, open_edition):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "Mon 31 May" in html and "15:00–16:30 CEST" in html  # the zone for readers abroad
    assert "Jaarevent" not in re.sub(r"<[^>]+>", "", html.split("<main", 1)[0].split("</title>")[1])
    assert "Smart Industry <span>Annual Event</span>" in html


# --- Findable and shareable ---------------------------------------------------------------


def test_session_page_has_share_tags_and_event_json_ld_with_real_times(client, open_edition):
    html = client.get("/sessions/2027-noord").get_data(as_text=True)
    assert meta(html, "og:title") == "Digitaliseren begint bij je mensen"
    assert meta(html, "og:image") == "http://localhost/sessions/2027-noord/share.png"
    assert meta(html, "twitter:card") == "summary_large_image"
    assert "ma 31 mei, 15.00–16.30 uur" in meta(html, "description")
    event = jsonld(html)
    assert event["@type"] == "Event"
    assert event["startDate"] == "2027-05-31T15:00:00+02:00"
    assert event["endDate"] == "2027-05-31T16:30:00+02:00"
    assert event["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert event["location"]["@type"] == "VirtualLocation"
    assert event["offers"]["price"] == "0" and event["isAccessibleForFree"] is True
    assert event["organizer"]["name"] == "Smart Industry Hub Noord"
    assert '<link rel="canonical" href="http://localhost/sessions/2027-noord">' in html
    assert 'hreflang="en" href="http://localhost/sessions/2027-noord?lang=en"' in html
    english = client.get("/sessions/2027-noord?lang=en").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/sessions/2027-noord?lang=en">' in english


def test_share_image_is_a_1200_by_630_png(client, open_edition):
    response = client.get("/sessions/2027-noord/share.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert Image.open(io.BytesIO(response.data)).size == (1200, 630)
    assert client.get("/sessions/no-such/share.png").status_code == 404


@pytest.mark.parametrize("language, expected", [
    ("nl", r"^\w+ \d+ \w+ 2027, \d\d\.\d\d–\d\d\.\d\d uur$"),
    ("en", r"^\w+ \d+ \w+ 2027, \d\d:\d\d–\d\d:\d\d CES?T$"),
])
def test_share_image_date_has_the_year(client, open_edition, language, expected):
    """A share image is seen in a feed long after it was posted: its date says the year."""
    with client.application.test_request_context(f"/?lang={language}"):
        session = db.session.scalar(db.select(ProgrammeSession).filter_by(slug="2027-noord"))
        assert re.match(expected, share_date(session)), share_date(session)


def test_sitemap_robots_favicon_and_manifest(client, open_edition):
    sitemap = client.get("/sitemap.xml")
    assert sitemap.mimetype == "application/xml"
    text = sitemap.get_data(as_text=True)
    assert "<loc>http://localhost/sessions/2027-noord</loc>" in text
    assert 'hreflang="en" href="http://localhost/sessions/2027-noord?lang=en"' in text
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /my/" in robots and "Sitemap: http://localhost/sitemap.xml" in robots
    assert client.get("/favicon.ico").status_code == 200
    manifest = client.get("/site.webmanifest").get_json(force=True)
    assert manifest["icons"] and all(client.get(i["src"]).status_code == 200
                                       for i in manifest["icons"])


def test_new_public_urls_answer_everyone_alike(client, open_edition, make_organiser):
    """The access walk for the public URLs this feature adds: the same for everyone."""
    urls = ["/sitemap.xml", "/robots.txt", "/favicon.ico", "/site.webmanifest",
            "/sessions/2027-noord/share.png"]
    make_organiser("admin@example.org", "admin")
    make_organiser("noord@example.org", "region", "noord")
    make_organiser("zuid@example.org", "region", "zuid")
    for who in (None, "zuid@example.org", "noord@example.org", "admin@example.org"):
        visitor = client.application.test_client()
        if who:
            log_in(visitor, who)
        for url in urls:
            assert visitor.get(url).status_code == 200, (who, url)


# --- Stylesheet and compression ------------------------------------------------------------


def test_stylesheet_is_fingerprinted_and_cached_for_a_year(client, open_edition):
    html = client.get("/").get_data(as_text=True)
    link = re.search(r'<link rel="stylesheet" href="([^"]+)">', html).group(1)
    assert re.fullmatch(r"/static/css/site\.css\?v=[0-9a-f]{12}", link)
    assert html.count('rel="stylesheet"') == 1  # one stylesheet
    assert "immutable" in client.get(link).headers["Cache-Control"]
    assert "max-age=31536000" in client.get(link).headers["Cache-Control"]
    stale = client.get("/static/css/site.css?v=000000000000")
    assert "immutable" not in stale.headers.get("Cache-Control", "")


def test_pages_are_compressed_and_etags_still_answer_304(client, open_edition):
    plain = client.get("/")
    zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 3
    again = client.get(
        "/", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304
    unzipped = client.get("/", headers={"If-None-Match": plain.headers["ETag"]})
    assert unzipped.status_code == 304
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # different bytes, different tag


# --- The sign-up flow ------------------------------------------------------------------------


def test_form_names_the_chosen_session_at_the_top(client, open_edition):
    html = client.get("/register?session=2027-noord&session=2027-zuid").get_data(as_text=True)
    chosen = re.search(r'<div class="chosen".*?</div>', html, re.S).group(0)
    assert "Digitaliseren begint bij je mensen" in chosen and "Robotisering in het mkb" in chosen
    assert html.index('class="chosen"') < html.index("<form")
    assert "Meld je aan voor" in html and "Schrijf je in" not in html


@pytest.mark.parametrize("typed, meant", [("anna@gmial.com", "anna@gmail.com"),
                                          ("anna@hotmial.nl", "anna@hotmail.nl")])
def test_typo_in_a_common_domain_asks_did_you_mean_once(client, open_edition, typed, meant):
    response = sign_up(client, email=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and states() == []
    assert f"Bedoel je {meant}?" in html
    assert f'value="{typed}"' in html  # input kept
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    again = sign_up(client, email=typed, email_as_typed=typed, csrf_token=token)
    assert again.status_code == 302 and states() == ["pending"]


def test_typo_suggestions():
    assert suggest("jan@gmail.con") == "jan@gmail.com"
    assert suggest("jan@outlok.com") == "jan@outlook.com"
    assert suggest("jan@jansen-metaal.nl") is None
    assert suggest("jan@gmail.com") is None


@pytest.mark.parametrize(
    "address",
    ["jan@hotmail.be", "jan@outlook.be", "jan@hotmail.de", "jan@outlook.de", "jan@mail.com"],
)
def test_real_neighbours_of_common_domains_are_not_typos(client, open_edition, address):
    """A Belgian hotmail.be (or a German hotmail.de, or mail.com) was asked "Bedoel je
    jan@hotmail.nl?": one tap on it and the confirmation mail went to someone else."""
    assert suggest(address) is None
    response = sign_up(client, email=address)
    assert response.status_code == 302 and states() == ["pending"]


def test_check_your_mail_shows_the_address_and_a_way_to_correct_it(client, open_edition):
    sign_up(client, email="anna@exmaple.nl", sessions=["2027-zuid"])
    page = client.get("/register/sent").get_data(as_text=True)
    assert "anna@exmaple.nl" in page
    correct = re.search(r'href="(/register\?correct=1)"', page).group(1)
    form = client.get(correct).get_data(as_text=True)
    assert 'value="anna@exmaple.nl"' in form
    assert re.search(r'value="2027-zuid" id="session-2027-zuid"\s+checked', form)


def test_correcting_the_address_keeps_what_else_was_typed(client, open_edition):
    """"Niet jouw adres? Verbeter het" brought back the address, but the name, organisation
    and job title had to be typed again."""
    sign_up(
        client,
        email="zoe@exmaple.nl",
        name="Zoë de Vries",
        organisation="Metaal & Co",
        role="Inkoper",
        newsletter="y",
        sessions=["2027-zuid"],
    )
    form = client.get("/register?correct=1").get_data(as_text=True)
    assert 'value="zoe@exmaple.nl"' in form
    assert 'value="Zoë de Vries"' in form and 'value="Metaal &amp; Co"' in form
    assert 'value="Inkoper"' in form
    assert re.search(r'id="newsletter" name="newsletter" type="checkbox" value="y"', form)
    assert re.search(r'<input checked id="newsletter"', form)
    assert not re.search(r'<input checked id="consent"', form)  # agreed to again
    # Asking for a new link afterwards forgets them: that form has only an address.
    token = csrf_token(client, "/register/resend")
    client.post("/register/resend", data={"csrf_token": token, "email": "ben@example.nl"})
    form = client.get("/register?correct=1").get_data(as_text=True)
    assert 'value="ben@example.nl"' in form and "Zoë" not in form


def test_confirm_page_lists_what_is_confirmed_and_posts_to_itself(client, open_edition):
    sign_up(client, email="anna@example.nl")
    path = re.search(r"https?://[^/]+(/confirm/[^\s?]+)", outbox("confirm")[-1].text_body).group(1)
    html = client.get(path).get_data(as_text=True)
    assert "Digitaliseren begint bij je mensen" in html and "anna@example.nl" in html
    assert 'action=""' not in html and f'action="{path}"' in html


# --- The personal page and mails -------------------------------------------------------------


def test_personal_page_is_short_calm_and_has_unique_ids(client, open_edition):
    manage = signed_up_and_confirmed(client, "anna@example.nl", ["2027-noord", "2027-zuid"])
    html = client.get(manage).get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "repeated id"
    assert "button-danger" not in html
    # Erase is the last thing, a plain link inside "My data".
    assert html.rindex("/erase") > html.rindex("/drop/")
    assert html.index("Digitaliseren begint bij je mensen") < html.index("Een sessie toevoegen")
    # Each session one could add says which hub hosts it, as the programme does.
    addable = html[html.index("Een sessie toevoegen"):]
    addable = addable[: addable.index("</details>")]
    assert addable.count('class="hub-name"') == 3 and "Smart Industry Hub Oost" in addable
    # The personal calendar feed is a secondary control: behind a closed disclosure.
    feed = re.search(r'<details class="more calendar-feed" id="calendar">(.*?)</details>',
                     html, re.S)
    assert feed and "Je sessies in je agenda" in feed.group(1), "feed not behind a disclosure"
    assert "/calendar.ics" in feed.group(1)
    assert "/calendar.ics" not in html.replace(feed.group(0), "")


def test_mails_greet_by_first_name_with_contrasting_buttons(client, open_edition):
    sign_up(client, email="marieke@example.nl", name="Marieke de Vries")
    confirm = outbox("confirm", to="marieke@example.nl")[-1]
    colours = re.findall(r"background:(#[0-9a-f]{6});color:#ffffff", confirm.html_body)
    assert colours and all(contrast(c, "#ffffff") >= 4.5 for c in colours)
    assert "bewaren we niets" not in confirm.text_body
    signed_up_and_confirmed(client, "anna@example.nl")  # as "Anna de Vries"
    welcome = outbox("welcome", to="anna@example.nl")[-1]
    assert welcome.text_body.startswith("Hallo Anna,")


def contrast(one: str, two: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(one), luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_organiser_pages_have_no_public_footer_and_a_compact_menu(
    client, open_edition, make_organiser
):
    make_organiser("admin@example.org", "admin")
    log_in(client, "admin@example.org")
    html = client.get("/organiser/").get_data(as_text=True)
    assert 'class="site-footer"' not in html
    row = re.search(r'<tr id="session-2027-noord">.*?</tr>', html, re.S).group(0)
    menu = re.search(r'<details class="row-menu">.*?</details>', row, re.S).group(0)
    assert "/edit" in menu and "/messages" in menu and ".xlsx" in menu
    assert "CSV (;)" not in html.replace("CSV voor Nederlandse Excel (;)", "")
    assert 'class="site-footer"' in client.get("/").get_data(as_text=True)


# --- Organiser chart ---------------------------------------------------------------------------


def test_chart_reads_well_from_one_day_to_sixty():
    start = datetime(2027, 4, 1, tzinfo=UTC).date()
    two = bar_chart([(start, 3), (start + timedelta(days=1), 5)])
    assert all(bar.width <= MAX_BAR for bar in two.bars)  # two slim bars, not one block
    assert [b.day for b in two.labelled] == [start, start + timedelta(days=1)]
    sixty = bar_chart([(start + timedelta(days=i), i % 7) for i in range(60)])
    days = [b.day for b in sixty.labelled]
    assert len(days) == 4 and days[0] == start and days[-1] == start + timedelta(days=59)
    assert len(set(days)) == 4
