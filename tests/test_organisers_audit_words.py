"""The audit log in words: sentences in Dutch and English, times in Amsterdam time, filters
by edition, hub and kind, a hub organiser sees only their hub, old entries stay readable."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from eventsite.extensions import db
from eventsite.organisers import editing
from eventsite.organisers.models import AuditLog
from tests.people_helpers import account, log_in, post_form, text

AUDIT = "/organiser/audit"


@pytest.fixture
def logged(client, make_edition, make_organiser):
    """Bea Beheer (admin) moved and renamed 2027-noord and downloaded 2027-zuid's list."""
    edition = make_edition(2027)
    sessions = {s.region.slug: s for s in edition.sessions}
    bea = make_organiser("bea@example.org", "admin", name="Bea Beheer")
    noord = sessions["noord"]
    data = {name: getattr(noord, name) for name in editing.EDITED_FIELDS}
    data.update(
        title="Robotisering in het mkb",
        title_en="Robotics in SMEs",
        start_at=datetime(2027, 6, 2, 15, 0),
        end_at=datetime(2027, 6, 2, 16, 30),
    )
    editing.edit_session(noord, bea, data)
    db.session.commit()
    data.update(start_at=datetime(2027, 6, 3, 10, 0), end_at=datetime(2027, 6, 3, 11, 0))
    editing.edit_session(noord, bea, data)
    db.session.commit()
    log_in(client, "bea@example.org")
    client.get(f"/organiser/sessions/{sessions['zuid'].slug}/attendees.csv")
    return edition, sessions


def entries(page: str) -> list[str]:
    """The sentences on the audit page, newest first."""
    cells = re.findall(r'class="audit-sentence">(.*?)(?: <span|</td>)', page, re.S)
    return [cell.strip() for cell in cells]


def test_entries_read_as_sentences_in_dutch_and_english(client, logged):
    _, sessions = logged
    zuid = sessions["zuid"]
    dutch = entries(text(client.get(AUDIT + "?lang=nl")))
    assert dutch[:3] == [
        f"Bea Beheer heeft de deelnemers van de sessie '{zuid.title}' gedownload als CSV-bestand",
        "Bea Beheer heeft de sessie 'Robotisering in het mkb' verplaatst naar 3 juni 2027, 10:00",
        "Bea Beheer heeft de sessie 'Robotisering in het mkb' gewijzigd: de Nederlandse "
        "titel, de Engelse titel, het begin en het einde",
    ]
    english = entries(text(client.get(AUDIT + "?lang=en")))
    assert english[1] == ("Bea Beheer moved the session 'Robotics in SMEs' to June 3, 2027, 10:00")
    assert english[2].endswith(
        "changed the session 'Robotics in SMEs': the Dutch title, the English title, "
        "the start, and the end"
    )
    page = text(client.get(AUDIT + "?lang=en"))
    for code in ("session.edit", "export.csv", "start_at", "2027-noord"):
        assert code not in page


def test_the_filters_by_edition_hub_and_kind(client, logged, make_edition):
    edition, sessions = logged
    assert len(entries(text(client.get(AUDIT + "?hub=noord")))) == 2
    assert len(entries(text(client.get(AUDIT + "?hub=zuid")))) == 1
    assert len(entries(text(client.get(AUDIT + "?kind=export")))) == 1
    assert len(entries(text(client.get(AUDIT + "?kind=session&hub=zuid")))) == 0
    assert len(entries(text(client.get(f"{AUDIT}?edition={edition.year}")))) == 3
    assert len(entries(text(client.get(AUDIT + "?edition=2021")))) == 0
    page = text(client.get(AUDIT + "?lang=en"))
    assert '<option value="export">Downloads of attendee lists</option>' in page
    # Unknown filter values are ignored, not an error.
    everything = 4  # with the creation of Bea's account
    assert len(entries(text(client.get(AUDIT + "?kind=nonsense&hub=nowhere")))) == everything


def test_a_hub_organiser_sees_only_their_hubs_entries(app, logged, make_organiser):
    make_organiser("nina@example.org", "region", "noord", name="Nina Noord")
    nina = app.test_client()
    log_in(nina, "nina@example.org")
    page = text(nina.get(AUDIT + "?hub=zuid"))
    # The two edits of Noord's session and the creation of Nina's account.
    assert len(entries(page)) == 3
    assert not any("gedownload" in sentence for sentence in entries(page))
    assert 'name="hub"' not in page  # no hub filter for them


def test_old_entries_and_unknown_kinds_stay_readable(client, logged):
    bea = account("bea@example.org")
    db.session.add_all(
        [
            AuditLog(
                organiser_id=bea.id,
                actor=bea.email,
                action="export.xlsx",
                target="jaarevent-2027: all-sessions",
            ),
            AuditLog(
                organiser_id=None, actor="cli", action="account.disable", target="oud@example.org"
            ),
            AuditLog(organiser_id=bea.id, actor=bea.email, action="something.new", target="iets"),
        ]
    )
    db.session.commit()
    sentences = entries(text(client.get(AUDIT + "?lang=nl")))
    assert sentences[:3] == [
        "Bea Beheer heeft iets gewijzigd",
        "Een beheerder via de opdrachtregel heeft het account oud@example.org uitgeschakeld",
        "Bea Beheer heeft deelnemers gedownload als Excel-bestand (jaarevent-2027: all-sessions)",
    ]


def test_account_entries_name_the_person_and_hub(client, logged):
    post_form(
        client,
        "/organiser/accounts/invite",
        name="Nina Noord",
        email="nina@example.org",
        role="region",
        region="noord",
        language="en",
    )
    sentences = entries(text(client.get(AUDIT + "?kind=account&lang=en")))
    assert sentences == [
        "Bea Beheer invited Nina Noord (nina@example.org) as organiser of the hub "
        f"{account('nina@example.org').region.name_en or 'Noord'}",
        "An administrator on the command line created an account for Bea Beheer "
        "(bea@example.org) in the programme office",
    ]
