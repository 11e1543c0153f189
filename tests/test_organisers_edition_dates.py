"""Moving an edition's dates: the sessions move along by as many days as the first day, and
only when every one of them stays on a day of the edition; a new edition copied from an
earlier one never gets a session outside its days."""

from __future__ import annotations

from datetime import date, datetime
from html import unescape
from zoneinfo import ZoneInfo

from eventsite.extensions import db
from eventsite.programme.models import Edition, ProgrammeSession
from tests.editions_helpers import audit_actions, form_values, logged_in, post_form
from tests.helpers import outbox

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
EDIT = "/organiser/editions/2027/edit"


def edition(year: int) -> Edition | None:
    db.session.expire_all()
    return db.session.scalar(db.select(Edition).filter_by(year=year))


def local_starts(year: int) -> list[datetime]:
    return [s.start_at.astimezone(AMSTERDAM) for s in edition(year).sessions]


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_a_first_day_that_pushes_a_session_past_the_last_day_is_refused(
    app, client, open_edition, make_organiser, make_registration
):
    # The reviewer's steps: 31 May -> 1 June, "move the sessions along" ticked, last day 4 June.
    for session in open_edition.sessions:
        make_registration(session)
    logged_in(client, make_organiser)
    before = local_starts(2027)
    data = form_values(client, EDIT)
    assert data["move_sessions"] == "y"  # ticked by default
    data.update(starts_on="2027-06-01", intro="Een nieuwe introductie")

    response = client.post(EDIT, data=data)

    page = text(response)
    assert response.status_code == 200
    assert "Met de eerste dag mee verplaatst vallen deze sessies buiten de dagen" in page
    assert "(dinsdag 1 juni 2027 t/m vrijdag 4 juni 2027)" in page
    assert (
        "Samen innoveren in de keten (Smart Industry Hub Zuidwest) op zaterdag 5 juni 2027"
        in page
    )
    assert "Verander ook de laatste dag, of vink “Sessies meeverplaatsen” uit." in page
    assert 'value="2027-06-01"' in page and "Een nieuwe introductie" in page  # input kept
    # Nothing changed, nothing mailed, nothing logged.
    assert edition(2027).starts_on == date(2027, 5, 31)
    assert edition(2027).intro != "Een nieuwe introductie"
    assert local_starts(2027) == before
    assert all(s.revision == 0 for s in edition(2027).sessions)
    assert outbox("ical-update") == []
    assert audit_actions() == []


def test_the_refusal_is_in_the_organisers_language(app, client, open_edition, make_organiser):
    logged_in(client, make_organiser)
    client.get("/organiser/editions?lang=en")
    data = form_values(client, EDIT)
    data.update(starts_on="2027-06-01")
    page = text(client.post(EDIT, data=data))
    assert "Moved along with the first day, these sessions would fall outside" in page
    # The title as the organisers' pages show it (the Dutch one), the day in English.
    assert "Samen innoveren in de keten (Smart Industry Hub Zuidwest) on Saturday 5 June 2027" in (
        page
    )
    assert edition(2027).starts_on == date(2027, 5, 31)


def test_a_move_within_the_edition_moves_every_session_and_sends_invites(
    app, client, open_edition, make_organiser, make_registration
):
    zuidwest = next(s for s in open_edition.sessions if s.region.slug == "zuidwest")
    make_registration(zuidwest, email="anna@example.nl")
    logged_in(client, make_organiser)
    data = form_values(client, EDIT)
    data.update(starts_on="2027-06-01", ends_on="2027-06-05")  # a day later, last day too

    response = client.post(EDIT, data=data, follow_redirects=True)

    assert "Verplaatste sessies: 5" in text(response)
    assert [(s.day, s.hour) for s in local_starts(2027)] == [
        (1, 15),
        (2, 15),
        (3, 15),
        (4, 15),
        (5, 15),
    ]
    assert [m.recipient for m in outbox("ical-update")] == ["anna@example.nl"]
    assert audit_actions() == ["edition.update"]


def test_without_moving_the_sessions_the_dates_change_alone_while_they_all_fit(
    app, client, open_edition, make_organiser, make_registration
):
    make_registration(open_edition.sessions[0])
    logged_in(client, make_organiser)
    before = local_starts(2027)
    data = form_values(client, EDIT)
    del data["move_sessions"]  # unticked
    data.update(ends_on="2027-06-05")
    assert client.post(EDIT, data=data).status_code == 302
    assert edition(2027).ends_on == date(2027, 6, 5)
    assert local_starts(2027) == before and outbox("ical-update") == []


def test_dates_that_would_leave_a_session_outside_them_are_refused(
    app, client, open_edition, make_organiser
):
    """Unticked, a later first day or an earlier last day left Monday's or Friday's session
    outside the edition's days: the public page then named days without it, and the
    session's own edit form refused every change ("choose a day of the edition")."""
    logged_in(client, make_organiser)
    before = local_starts(2027)
    for change, stray_day in (
        ({"starts_on": "2027-06-01"}, "op maandag 31 mei 2027"),
        ({"ends_on": "2027-06-03"}, "op vrijdag 4 juni 2027"),
    ):
        data = form_values(client, EDIT)
        del data["move_sessions"]
        data.update(change)
        page = text(client.post(EDIT, data=data))
        assert "Deze sessies zouden buiten de dagen van de editie vallen" in page, change
        assert stray_day in page
    assert (edition(2027).starts_on, edition(2027).ends_on) == (date(2027, 5, 31), date(2027, 6, 4))
    assert local_starts(2027) == before and audit_actions() == []


def test_the_help_texts_say_what_moving_does(app, client, make_edition, make_organiser):
    make_edition(2027)
    logged_in(client, make_organiser)
    edit = text(client.get(EDIT))
    assert "Elke sessie verschuift evenveel dagen als de eerste dag" in edit
    assert "houdt haar weekdag en tijd" not in edit
    new = text(client.get("/organiser/editions/new"))
    assert "kies de weekdag van de eerste dag van de gekopieerde editie" in new
    assert "houden vanaf deze dag hun weekdag" not in new


def test_a_copy_to_another_weekday_says_so_in_the_preview(
    app, client, make_edition, make_organiser, clock
):
    make_edition(2027)
    clock.at(2027, 9, 1)
    logged_in(client, make_organiser)
    choice = {"source": "2027", "year": "2028", "starts_on": "2028-05-30", "step": "preview"}
    page = text(post_form(client, "/organiser/editions/new", choice))
    assert "De nieuwe eerste dag is een dinsdag" in page
    assert "was een maandag" in page and "zaterdag 3 juni 2028" in page
    assert "Editie 2028 aanmaken" in page  # within its own days: it can be created
    same_weekday = {**choice, "starts_on": "2028-05-29"}
    assert "De nieuwe eerste dag is een" not in text(
        post_form(client, "/organiser/editions/new", same_weekday)
    )


def test_a_copy_that_would_put_a_session_outside_its_days_is_flagged_and_refused(
    app, client, make_edition, make_organiser, clock
):
    make_edition(2027)
    clock.at(2027, 9, 1)
    logged_in(client, make_organiser)
    # 2027's last day moved to Thursday without its sessions (as a programme file or data
    # from before the edit form refused it can leave it): Zuidwest's Friday lies outside.
    edition(2027).ends_on = date(2027, 6, 3)
    db.session.commit()
    choice = {"source": "2027", "year": "2028", "starts_on": "2028-05-29"}

    preview = text(post_form(client, "/organiser/editions/new", {**choice, "step": "preview"}))
    assert "Deze editie kan nog niet worden aangemaakt" in preview
    assert (
        "Samen innoveren in de keten (Smart Industry Hub Zuidwest) op vrijdag 2 juni 2028"
        in preview
    )
    assert preview.count("buiten de dagen van de nieuwe editie") == 2  # message and its row
    assert "Editie 2028 aanmaken" not in preview

    created = post_form(client, "/organiser/editions/new", {**choice, "step": "create"})
    assert created.status_code == 200
    assert "Deze editie kan nog niet worden aangemaakt" in text(created)
    assert edition(2028) is None
    assert audit_actions() == []
    assert db.session.scalar(db.select(db.func.count()).select_from(ProgrammeSession)) == 10
