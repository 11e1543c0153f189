"""CSV and xlsx exports: Excel-friendly, RFC 4180, formula-safe, audited, streamed."""

import csv
import io
from datetime import UTC, datetime
from html import unescape

import pytest
from openpyxl import load_workbook

from eventsite.extensions import db
from eventsite.organisers import exports
from eventsite.organisers.models import AuditLog
from tests.helpers import csrf_token, log_in

HEADER_NL = [
    "Naam",
    "E-mailadres",
    "Organisatie",
    "Functie",
    "Sessie",
    "Status",
    "Aangemeld op",
    "Bevestigd op",
    "Toestemming nieuwsbrief",
    "Taal",
    "Deelgenomen om",
    "E-mail onbestelbaar",
    "Bron",
]
TRICKY = 'Jan "de Smid", Jansen\nTweede regel'
FORMULA = '=HYPERLINK("http://x")'


@pytest.fixture
def exported(app, client, make_edition, make_organiser, make_registration, clock):
    clock.at(2027, 5, 20, 10)
    edition = make_edition(2027)
    noord = next(s for s in edition.sessions if s.region.slug == "noord")
    oost = next(s for s in edition.sessions if s.region.slug == "oost")
    moment = datetime(2027, 4, 1, 13, 5, tzinfo=UTC)
    make_registration(
        noord,
        name=TRICKY,
        email="jan@x.nl",
        organisation="Smederij é ë",
        at=moment,
        newsletter=True,
        language="en",
        role="Eigenaar",
    )
    make_registration(
        noord,
        name=FORMULA,
        email="evil@x.nl",
        organisation="+31 6 1234",
        state="pending",
        at=moment,
        role="@SUM(A1)",
    )
    tab = make_registration(
        noord, email="tab@x.nl", organisation="-2+3", state="waiting", at=moment
    )
    # The sign-up form strips white space; the export must be safe for any stored name.
    tab.attendee.name = "\tTab"
    db.session.commit()
    make_registration(oost, name=TRICKY, email="jan@x.nl", state="confirmed", at=moment)
    make_organiser()
    log_in(client, "admin@example.org")
    return edition, noord, oost


def parse(response, delimiter=","):
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark for Excel
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_session_csv(client, exported):
    edition, noord, _ = exported
    response = client.get(f"/organiser/sessions/{noord.slug}/attendees.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    filename = f"{edition.slug}_{noord.slug}_attendees_2027-05-20.csv"
    assert disposition.startswith(f'attachment; filename="{filename}"')
    assert f"filename*=UTF-8''{filename}" in disposition
    rows = parse(response)
    assert rows[0] == HEADER_NL
    by_email = {row[1]: row for row in rows[1:]}
    assert len(rows) == 4
    jan = by_email["jan@x.nl"]
    assert jan[0] == TRICKY  # quotes, comma and newline intact
    assert jan[2] == "Smederij é ë"
    assert jan[3] == "Eigenaar"
    assert jan[4] == noord.title
    assert jan[5] == "bevestigd"
    # Amsterdam summer time, written so that spreadsheets read a date-time, not text.
    assert jan[6] == jan[7] == "2027-04-01 15:05:00"
    # Not joined (tests/test_messages_attendance.py); the address never bounced; no source.
    assert jan[8:] == ["ja", "en", "", "nee", ""]
    evil = by_email["evil@x.nl"]
    assert evil[0] == "'" + FORMULA and evil[2] == "'+31 6 1234" and evil[3] == "'@SUM(A1)"
    assert evil[5] == "nog niet bevestigd" and evil[7] == ""
    tab = by_email["tab@x.nl"]
    assert tab[0] == "'\tTab" and tab[2] == "'-2+3"


def test_semicolon_csv_quotes_per_rfc_4180(client, exported):
    _, noord, _ = exported
    response = client.get(f"/organiser/sessions/{noord.slug}/attendees.csv?delimiter=semicolon")
    raw = response.get_data().decode("utf-8-sig")
    assert raw.startswith("Naam;E-mailadres;")
    assert '"Jan ""de Smid"", Jansen\nTweede regel"' in raw  # doubled quotes, quoted field
    assert raw.count("\r\n") == 4  # CRLF after each record; the LF inside a field stays LF
    assert parse(response, ";")[1][0] in (TRICKY, "'" + FORMULA, "'\tTab")
    assert (
        client.get(f"/organiser/sessions/{noord.slug}/attendees.csv?delimiter=tab").status_code
        == 400
    )


def test_all_sessions_csv_has_one_row_per_person_and_session(client, exported):
    edition, noord, oost = exported
    response = client.get("/organiser/attendees.csv")
    assert (
        f"{edition.slug}_all-sessions_attendees_2027-05-20.csv"
        in response.headers["Content-Disposition"]
    )
    rows = parse(response)[1:]
    assert sorted((r[1], r[4]) for r in rows) == sorted(
        [
            ("jan@x.nl", noord.title),
            ("evil@x.nl", noord.title),
            ("tab@x.nl", noord.title),
            ("jan@x.nl", oost.title),
        ]
    )


def test_regional_organiser_exports_only_their_region(client, exported, make_organiser):
    _, noord, oost = exported
    client.post("/organiser/logout", data={"csrf_token": csrf_token(client, "/organiser/")})
    make_organiser("oost@example.org", "region", "oost")
    log_in(client, "oost@example.org")
    rows = parse(client.get("/organiser/attendees.csv"))[1:]
    assert [(r[1], r[4]) for r in rows] == [("jan@x.nl", oost.title)]
    assert client.get(f"/organiser/sessions/{noord.slug}/attendees.csv").status_code == 403


def test_xlsx_keeps_every_cell_a_string(client, exported):
    _, noord, _ = exported
    response = client.get(f"/organiser/sessions/{noord.slug}/attendees.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.headers["Cache-Control"] == "no-store"
    assert ".xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [[c for c in row] for row in sheet.iter_rows()]
    assert [c.value for c in rows[0]] == HEADER_NL
    cells = {row[1].value: row for row in rows[1:]}
    formula = cells["evil@x.nl"][0]
    assert formula.value == FORMULA and formula.data_type == "s"  # text, never a formula
    assert cells["evil@x.nl"][2].value == "+31 6 1234" and cells["evil@x.nl"][2].data_type == "s"
    assert cells["jan@x.nl"][0].value == TRICKY
    registered = cells["jan@x.nl"][6]
    assert registered.value == datetime(2027, 4, 1, 15, 5)  # a real date-time, Amsterdam time
    assert registered.is_date and registered.number_format == "yyyy-mm-dd hh:mm"
    assert cells["evil@x.nl"][7].value is None  # not confirmed: an empty cell


def test_a_cancelled_session_says_so_in_the_state_column(client, exported):
    _, noord, _ = exported
    noord.status = "cancelled"
    db.session.commit()
    rows = parse(client.get(f"/organiser/sessions/{noord.slug}/attendees.csv"))[1:]
    assert {row[5] for row in rows} == {"sessie geannuleerd"}
    sheet = load_workbook(io.BytesIO(client.get("/organiser/attendees.xlsx").get_data())).active
    states = {(row[1].value, row[4].value): row[5].value for row in sheet.iter_rows(min_row=2)}
    assert states[("jan@x.nl", noord.title)] == "sessie geannuleerd"
    assert [v for (email, title), v in states.items() if title != noord.title] == ["bevestigd"]


def test_every_export_is_audited_and_admins_see_the_log(client, exported):
    edition, noord, _ = exported
    client.get(f"/organiser/sessions/{noord.slug}/attendees.csv?delimiter=semicolon")
    client.get("/organiser/attendees.xlsx")
    entries = db.session.scalars(db.select(AuditLog).order_by(AuditLog.id)).all()
    exports_logged = [
        (e.actor, e.action, e.target) for e in entries if e.action.startswith("export")
    ]
    assert exports_logged == [
        ("admin@example.org", "export.csv", f"{edition.slug}: {noord.slug}"),
        ("admin@example.org", "export.xlsx", f"{edition.slug}: all-sessions"),
    ]
    assert "delimiter=semicolon" in entries[-2].detail
    page = unescape(client.get("/organiser/audit?lang=en").get_data(as_text=True))
    assert "export.xlsx" not in page and "export.csv" not in page  # words, no codes
    assert f"the attendees of the session '{noord.title_en or noord.title}' as a CSV file" in page
    assert f"all their sessions of {edition.name_en or edition.name} (5) as an Excel file" in page


def test_csv_cells_moments_numbers_and_formulas():
    from datetime import UTC, datetime

    moments = [datetime(2027, 4, 1, 15, 5, 0, 123456), datetime(2027, 4, 1, 13, 5, tzinfo=UTC)]
    text = "".join(exports.csv_chunks(["h"] * 6, [[*moments, None, 7, "=1+1", "Zoë"]]))
    assert text.splitlines()[1] == "2027-04-01 15:05:00,2027-04-01 13:05:00,,7,'=1+1,Zoë"


def test_neutralise_and_helpers():
    for cell in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx", "\nx"):
        assert exports.neutralise(cell) == "'" + cell
    for cell in ("Jan", "", "1-2", "a=b", "'quoted"):
        assert exports.neutralise(cell) == cell
    disposition = exports.content_disposition("jaarevent_café.csv")
    assert 'filename="jaarevent_caf_.csv"' in disposition
    assert "filename*=UTF-8''jaarevent_caf%C3%A9.csv" in disposition
    assert (
        exports.export_filename("a b", "c/d", "2027-05-20", "csv")
        == "a-b_c-d_attendees_2027-05-20.csv"
    )
    assert exports.local_time(datetime(2027, 1, 1, 12, tzinfo=UTC)) == datetime(2027, 1, 1, 13)
    chunks = list(exports.csv_chunks(["h"], ([str(i)] for i in range(1200)), batch=500))
    assert len(chunks) == 4 and chunks[0] == "\ufeffh\r\n"
