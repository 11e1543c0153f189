"""The organiser dashboard: counts that match the database, totals, the fill bar, the chart."""

import re
from collections import Counter
from datetime import UTC, datetime

from eventsite.extensions import db
from eventsite.organisers import services
from eventsite.organisers.charts import bar_chart
from eventsite.registration.models import Attendee, Registration
from tests.helpers import log_in


def row_counts(html: str, slug: str) -> dict[str, int]:
    row = re.search(rf'<tr id="session-{slug}">(.*?)</tr>', html, re.S).group(1)
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', row)}


def fill_sessions(edition, make_registration):
    """Registrations in every state over the sessions, some people in several sessions."""
    s = edition.sessions
    moments = [datetime(2027, 4, 10, 9, tzinfo=UTC), datetime(2027, 4, 12, 22, 30, tzinfo=UTC)]
    plan = [
        (s[0], "confirmed", "a@x.nl", "Jansen BV"),
        (s[1], "confirmed", "a@x.nl", "Jansen BV"),
        (s[0], "confirmed", "b@x.nl", "jansen bv "),  # the same organisation, typed otherwise
        (s[0], "pending", "c@x.nl", "Pieters"),
        (s[0], "waiting", "d@x.nl", "De Boer"),
        (s[1], "cancelled", "e@x.nl", "Smit"),
        (s[2], "confirmed", "f@x.nl", ""),
        (s[3], "confirmed", "g@x.nl", "Visser & Zn"),
    ]
    for i, (session, state, email, organisation) in enumerate(plan):
        make_registration(
            session,
            email=email,
            organisation=organisation,
            state=state,
            at=moments[i % 2],
            name=f"Person {email}",
        )


def test_counts_and_totals_match_the_database(
    client, make_edition, make_organiser, make_registration, clock
):
    clock.at(2027, 5, 1, 12)
    edition = make_edition(2027, capacity=40)
    fill_sessions(edition, make_registration)
    make_organiser()
    log_in(client, "admin@example.org")
    html = client.get("/organiser/").get_data(as_text=True)

    rows = db.session.execute(db.select(Registration.session_id, Registration.state)).all()
    for session in edition.sessions:
        expected = Counter(state for sid, state in rows if sid == session.id)
        shown = row_counts(html, session.slug)
        assert shown == {s: expected[s] for s in ("confirmed", "pending", "waiting", "cancelled")}
        assert f'value="{session.confirmed_count}"' in html

    confirmed_people = {
        a
        for a in db.session.scalars(db.select(Attendee))
        if any(r.state == "confirmed" for r in a.registrations)
    }
    organisations = {a.organisation.strip().lower() for a in confirmed_people} - {""}
    assert re.search(rf'id="total-attendees">{len(confirmed_people)}<', html)
    assert re.search(rf'id="total-organisations">{len(organisations)}<', html)
    assert (len(confirmed_people), len(organisations)) == (4, 2)


def test_fill_bar_and_no_inline_styles(
    client, make_edition, make_organiser, make_registration, clock
):
    clock.at(2027, 5, 1, 12)
    edition = make_edition(2027, capacity=4)
    session = edition.sessions[0]
    for _ in range(3):
        make_registration(session)
    make_organiser()
    log_in(client, "admin@example.org")
    html = client.get("/organiser/").get_data(as_text=True)
    assert re.search(r'<meter min="0" max="4" value="3"', html)
    assert "3 van 4 plaatsen bezet" in html
    assert "style=" not in html and "<script" not in html


def test_chart_per_local_day_with_title_description_and_table(
    client, make_edition, make_organiser, make_registration, clock
):
    clock.at(2027, 5, 1, 12)
    edition = make_edition(2027)
    fill_sessions(edition, make_registration)
    make_organiser()
    log_in(client, "admin@example.org")
    html = client.get("/organiser/?lang=en").get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="chart-title chart-desc"' in svg
    assert '<title id="chart-title">Sign-ups per day</title>' in svg
    assert "8 sign-ups from" in svg
    # 10 April .. 13 April (22:30 UTC on the 12th is the 13th in Amsterdam): 4 bars.
    assert svg.count('<rect class="bar"') == 4
    table = re.search(r'<table class="chart-table">.*?</table>', html, re.S).group(0)
    cells = re.findall(r'<td class="num">(\d+)</td>', table)
    assert cells == ["4", "0", "0", "4"]


def test_signups_per_day_groups_in_the_database_by_local_day(app, make_edition, make_registration):
    edition = make_edition(2027)
    session = edition.sessions[0]
    # 21:59 UTC is 23:59 CEST; 22:00 UTC is 00:00 the next day in Amsterdam.
    make_registration(session, at=datetime(2027, 4, 1, 21, 59, tzinfo=UTC))
    make_registration(session, at=datetime(2027, 4, 1, 22, 0, tzinfo=UTC))
    make_registration(session, at=datetime(2027, 4, 2, 21, 0, tzinfo=UTC))
    days = services.signups_per_day([session.id], "Europe/Amsterdam")
    assert [(d.isoformat(), n) for d, n in days] == [("2027-04-01", 1), ("2027-04-02", 2)]
    assert services.signups_per_day([], "Europe/Amsterdam") == []


def test_bar_chart_geometry():
    from datetime import date

    chart = bar_chart([(date(2027, 4, 1), 2), (date(2027, 4, 2), 0), (date(2027, 4, 3), 4)])
    heights = [bar.height for bar in chart.bars]
    assert heights[1] == 0 and heights[2] == 2 * heights[0] > 0
    assert chart.bars[2].y + chart.bars[2].height == chart.baseline
    assert chart.total == 6 and chart.maximum == 4
    assert bar_chart([]).bars == []


def test_regional_organiser_sees_only_their_sessions(
    client, make_edition, make_organiser, make_registration, clock
):
    clock.at(2027, 5, 1, 12)
    edition = make_edition(2027)
    fill_sessions(edition, make_registration)
    make_organiser("oost@example.org", "region", "oost")
    log_in(client, "oost@example.org")
    html = client.get("/organiser/?edition=2021").get_data(as_text=True)  # no switching
    own = [s for s in edition.sessions if s.region.slug == "oost"]
    assert own and all(f'id="session-{s.slug}"' in html for s in own)
    assert html.count('<tr id="session-') == len(own)
    assert 'name="edition"' not in html
    assert "Jaarevent 2027" in html


def test_a_hub_organiser_switches_to_the_next_edition_being_prepared(
    client, make_edition, make_organiser, clock
):
    """A hub prepares its session of next year's draft before it is published: the
    dashboard offers the current edition and later ones, never an earlier one."""
    clock.at(2027, 5, 1, 12)
    make_edition(2021)
    make_edition(2027)
    draft = make_edition(2028)
    draft.published = False
    db.session.commit()
    make_organiser("oost@example.org", "region", "oost")
    log_in(client, "oost@example.org")
    html = client.get("/organiser/").get_data(as_text=True)
    assert 'value="2028"' in html and 'value="2027"' in html and 'value="2021"' not in html
    html = client.get("/organiser/?edition=2028").get_data(as_text=True)
    assert re.findall(r'<tr id="session-([\w-]+)"', html) == ["2028-oost"]
    assert "/organiser/sessions/2028-oost/edit" in html
    html = client.get("/organiser/?edition=2021").get_data(as_text=True)  # earlier: no
    assert re.findall(r'<tr id="session-([\w-]+)"', html) == ["2027-oost"]
    html = client.get("/organiser/?edition=2031").get_data(as_text=True)  # none such
    assert re.findall(r'<tr id="session-([\w-]+)"', html) == ["2027-oost"]


def test_admin_switches_editions(client, make_edition, make_organiser, clock):
    clock.at(2027, 5, 1, 12)
    make_edition(2021)
    make_edition(2027)
    make_organiser()
    log_in(client, "admin@example.org")
    html = client.get("/organiser/").get_data(as_text=True)
    assert "Jaarevent 2027" in html and 'name="edition"' in html
    html = client.get("/organiser/?edition=2021").get_data(as_text=True)
    assert "Jaarevent 2021" in html and 'id="session-2021-noord"' in html
    assert client.get("/organiser/?edition=1999").status_code == 404
