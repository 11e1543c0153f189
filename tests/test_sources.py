"""Where sign-ups come from: ``?via=`` and utm_* kept in the visitor's session (nothing in
the database until they sign up), stored on the registration; campaign links per hub; the
numbers per source and hub; the source in the exports."""

from __future__ import annotations

import re

from eventsite.core.unit_of_work import unit_of_work
from eventsite.extensions import db
from eventsite.organisers.campaigns import CampaignLink
from eventsite.programme.models import Edition
from eventsite.programme.rollover import copy_edition
from eventsite.registration.models import Attendee
from tests.helpers import attendees, confirm, csrf_token, outbox, path_to, sign_up
from tests.questions_helpers import csv_rows, organiser_logs_in, organiser_logs_out


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_campaign_code_is_kept_to_the_sign_up_and_nothing_stored_before(client, open_edition):
    assert client.get("/?via=noord-nieuwsbrief").status_code == 200
    client.get("/sessions/2027-noord")  # browsing on keeps it
    assert count(Attendee) == 0
    sign_up(client)
    [attendee] = attendees()
    assert attendee.source == "noord-nieuwsbrief"


def test_utm_values_are_a_source_and_bad_values_are_ignored(client, open_edition):
    client.get("/?utm_source=linkedin&utm_medium=social&utm_campaign=je2027")
    client.get("/?via=<script>")  # not a code: ignored, the earlier source stays
    sign_up(client)
    assert attendees()[0].source == "linkedin / social / je2027"


def test_hub_organisers_make_links_for_their_hub_and_see_numbers_per_source(
    client, app, open_edition, make_organiser
):
    make_organiser("noord@example.org", "region", "noord")
    organiser_logs_in(client, "noord@example.org")
    page = "/organiser/editions/2027/sources"
    noord = next(s for s in open_edition.sessions if s.region.slug == "noord")
    token = csrf_token(client, page)
    bad = client.post(page, data={"csrf_token": token, "name": "Nieuwsbrief", "code": "Met Spatie"})
    assert "Gebruik alleen kleine letters" in bad.get_data(as_text=True)
    made = client.post(
        page,
        data={
            "csrf_token": token,
            "name": "Nieuwsbrief mei",
            "code": "noord-mei",
            "region": str(noord.region_id),
        },
    )
    assert made.status_code == 302
    [link] = db.session.scalars(db.select(CampaignLink)).all()
    assert link.region_id == noord.region_id
    assert "?via=noord-mei" in client.get(page).get_data(as_text=True)
    organiser_logs_out(client)

    visitor = app.test_client()
    visitor.get(link.url.replace("http://localhost", ""))
    sign_up(visitor)
    confirm(visitor, path_to(outbox("confirm")[-1], "/confirm/"))
    sign_up(visitor, email="bert@example.nl")  # same browser, same source, not confirmed

    organiser_logs_in(client, "noord@example.org")
    html = client.get(page).get_data(as_text=True)
    row = html[html.index("Nieuwsbrief mei</th>") :].split("</tr>")[0]
    assert [cell.split(">")[-1] for cell in row.split("</td>")[1:4]] == ["2", "1", "0"]
    rows = csv_rows(client.get("/organiser/attendees.csv"))
    assert rows[0][-1] == "Bron" and {r[-1] for r in rows[1:]} == {"noord-mei"}


def test_a_hub_cannot_remove_another_hubs_link(client, open_edition, make_organiser):
    make_organiser()
    organiser_logs_in(client, "admin@example.org")
    page = "/organiser/editions/2027/sources"
    zuid = next(s for s in open_edition.sessions if s.region.slug == "zuid")
    client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "name": "Zuid",
            "code": "zuid",
            "region": str(zuid.region_id),
        },
    )
    [link] = db.session.scalars(db.select(CampaignLink)).all()
    organiser_logs_out(client)
    make_organiser("noord@example.org", "region", "noord")
    organiser_logs_in(client, "noord@example.org")
    assert "zuid" not in client.get(page).get_data(as_text=True).split("<h2")[2]
    refused = client.post(f"{page}/{link.id}/remove", data={"csrf_token": csrf_token(client, page)})
    assert refused.status_code == 403 and count(CampaignLink) == 1


def source_row(html: str, source: str) -> dict[str, int]:
    """{step: count} of the dashboard funnel's row for ``source``."""
    row = re.search(rf'<tr data-source="{source}">(.*?)</tr>', html, re.S).group(1)
    return {step: int(n) for step, n in re.findall(r'data-step="(\w+)" data-count="(\d+)"', row)}


def test_the_dashboard_funnel_splits_by_source_named_by_the_campaign_link(
    client, open_edition, make_organiser, make_registration
):
    noord, zuid = (
        next(s for s in open_edition.sessions if s.region.slug == hub) for hub in ("noord", "zuid")
    )
    make_registration(noord, source="noord-mei")
    make_registration(noord, source="noord-mei", state="pending")
    make_registration(zuid, source="noord-mei", state="cancelled")
    make_registration(zuid, source="linkedin / social / je2027")
    make_registration(noord)  # came straight to the site
    with unit_of_work():
        db.session.add(
            CampaignLink(
                edition_id=open_edition.id,
                region_id=noord.region_id,
                name="Nieuwsbrief mei",
                code="noord-mei",
            )
        )
    make_organiser()
    organiser_logs_in(client, "admin@example.org")
    html = client.get("/organiser/?edition=2027").get_data(as_text=True)
    table = html[html.index('id="funnel-sources"') :].split("</table>")[0]
    assert "Nieuwsbrief mei" in table and "linkedin / social / je2027" in table
    assert "onbekend (direct)" in table
    mei = source_row(html, "noord-mei")
    assert (mei["signed_up"], mei["confirmed"]) == (3, 1)
    assert source_row(html, "linkedin / social / je2027")["confirmed"] == 1
    assert source_row(html, "")["signed_up"] == 1
    # Known sources by name, the unknown ones last.
    assert table.index("linkedin") < table.index("Nieuwsbrief mei") < table.index("onbekend")

    make_organiser("zuid@example.org", "region", "zuid")
    organiser_logs_out(client)
    organiser_logs_in(client, "zuid@example.org")
    html = client.get("/organiser/").get_data(as_text=True)
    assert source_row(html, "noord-mei")["signed_up"] == 1  # only their hub's sessions
    assert 'data-source=""' not in html


def test_a_hub_reaches_the_links_of_the_next_draft_edition_not_of_earlier_ones(
    client, make_edition, make_organiser, clock
):
    make_edition(2026)
    make_edition(2027)
    clock.at(2027, 5, 1, 12)  # 2027 is the current edition
    with unit_of_work():
        draft = db.session.scalar(db.select(Edition).filter_by(year=2027))
        copy_edition(2028, draft.starts_on.replace(year=2028), source=draft, publish=False)
    make_organiser("noord@example.org", "region", "noord")
    organiser_logs_in(client, "noord@example.org")
    assert client.get("/organiser/editions/2027/sources").status_code == 200
    assert client.get("/organiser/editions/2028/sources").status_code == 200
    assert client.get("/organiser/editions/2026/sources").status_code == 404
    dashboard = client.get("/organiser/?edition=2028").get_data(as_text=True)
    assert 'href="/organiser/editions/2028/sources"' in dashboard
