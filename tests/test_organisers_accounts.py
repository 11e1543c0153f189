"""Admins manage organiser accounts in the browser: invite (with a one-time set-password
link), change role and hub, disable and enable, invite again; the last admin stays."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventsite.clock import utcnow
from eventsite.extensions import db
from eventsite.organisers import account_admin
from eventsite.organisers.models import Organiser
from tests.helpers import csrf_token as csrf_from
from tests.helpers import link_to, outbox
from tests.people_helpers import account, actions, log_in, post_form, text

INVITE = "/organiser/accounts/invite"


@pytest.fixture
def admin_client(client, make_edition, make_organiser):
    """Bea Beheer (admin) logged in; the 2027 edition exists."""
    make_edition(2027)
    make_organiser("bea@example.org", "admin", name="Bea Beheer")
    log_in(client, "bea@example.org")
    return client


def invite(client, **fields):
    data = {"name": "Nina Noord", "email": "nina@example.org", "role": "region"}
    data.update({"region": "noord", "language": "nl", **fields})
    return post_form(client, INVITE, **data)


def test_an_invited_hub_organiser_sets_a_password_once_and_sees_only_their_hub(app, admin_client):
    response = invite(admin_client, email=" Nina@Example.org ")
    assert response.status_code == 302
    page = text(admin_client.get(response.headers["Location"]))
    assert "Nina Noord is uitgenodigd" in page
    assert "nina@example.org" in page and "uitgenodigd, nog geen wachtwoord" in page
    nina = account("nina@example.org")
    assert (nina.role, nina.region.slug, nina.password_hash) == ("region", "noord", None)
    [mail] = outbox("organiser-welcome", to="nina@example.org")
    link = link_to(mail, "/organiser/password/welcome/")

    hub = app.test_client()
    assert hub.get(link).status_code == 200
    done = post_form(
        hub,
        link,
        password="een lange zin voor het wachtwoord",
        confirm=("een lange zin voor het wachtwoord"),
    )
    assert done.status_code == 302
    dashboard = text(hub.get("/organiser/"))
    assert "2027-noord" in dashboard and "2027-zuid" not in dashboard
    assert hub.get("/organiser/accounts").status_code == 403
    # The link worked once.
    assert app.test_client().get(link).status_code == 400
    assert actions()[-2:] == ["account.invite", "password.set"]


def test_an_invitation_link_expires(app, admin_client, clock):
    clock.set(utcnow())
    invite(admin_client)
    link = link_to(outbox("organiser-welcome")[0], "/organiser/password/welcome/")
    hours = app.config["ORGANISER_WELCOME_LINK_HOURS"]
    clock.set(utcnow() + timedelta(hours=hours, minutes=1))
    assert app.test_client().get(link).status_code == 400


def test_invite_errors_are_shown_at_the_field_and_the_input_is_kept(admin_client):
    page = text(invite(admin_client, email="geen-adres", region=""))
    assert "Vul een e-mailadres in zoals naam@example.nl." in page
    assert "Kies de hub waarvoor deze organisator werkt." in page
    assert 'value="Nina Noord"' in page and 'value="geen-adres"' in page
    page = text(invite(admin_client, email="BEA@example.org"))
    assert "Er is al een account met dit adres." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Organiser)) == 1
    assert outbox() == []


def test_two_invitations_for_one_address_at_once_make_one_account(app, admin_client):
    """A double click on "Invite": both requests passed the form's check before either was
    stored. One account and one mail; the other request says why, at the address."""
    from eventsite.core.unit_of_work import unit_of_work
    from tests.helpers import run_at_once

    bea_id = account("bea@example.org").id
    noord = account_admin.regions()[0]
    region_id = noord.id

    def invite_nina():
        actor = db.session.get(Organiser, bea_id)
        region = db.session.get(type(noord), region_id)
        try:
            with app.test_request_context("/organiser/accounts/invite"), unit_of_work():
                account_admin.invite(actor, "nina@example.org", "Nina", "region", region, "nl")
        except account_admin.RefusedError as error:
            return (error.field, str(error))
        return "invited"

    results = run_at_once(app, [invite_nina, invite_nina])
    assert sorted(results, key=str) == [
        ("email", "Er is al een account met dit adres."),
        "invited",
    ]
    assert [o.email for o in account_admin.all_accounts()] == [
        "bea@example.org",
        "nina@example.org",
    ]
    assert [m.recipient for m in outbox("organiser-welcome")] == ["nina@example.org"]


def test_an_admin_changes_role_and_hub(admin_client, make_organiser):
    nina = make_organiser("nina@example.org", "region", "noord", name="Nina Noord")
    url = f"/organiser/accounts/{nina.id}"
    assert post_form(admin_client, url, role="region", region="zuid").status_code == 302
    assert account("nina@example.org").region.slug == "zuid"
    post_form(admin_client, url, role="admin", region="zuid")
    nina = account("nina@example.org")
    assert (nina.role, nina.region) == ("admin", None)
    assert actions()[-2:] == ["account.update", "account.update"]


def test_the_last_active_admin_cannot_be_demoted_or_disabled(admin_client, make_organiser):
    bea = account("bea@example.org")
    page = text(
        post_form(admin_client, f"/organiser/accounts/{bea.id}", role="region", region="noord")
    )
    assert "Bea Beheer is de laatste actieve beheerder" in page
    assert account("bea@example.org").role == "admin"
    page = text(
        admin_client.post(
            f"/organiser/accounts/{bea.id}/disable",
            data={"csrf_token": csrf(admin_client, bea.id)},
            follow_redirects=True,
        )
    )
    assert "Je kunt je eigen account niet uitschakelen." in page
    # The rule itself, whoever asks: with a second admin disabled, Bea is still the last.
    make_organiser("piet@example.org", "admin", name="Piet")
    account_admin.disable(account("bea@example.org"), account("piet@example.org"))
    db.session.commit()
    with pytest.raises(account_admin.RefusedError, match="laatste actieve beheerder"):
        with admin_client.application.test_request_context("/?lang=nl"):
            account_admin.disable(account("piet@example.org"), account("bea@example.org"))
    assert account("bea@example.org").active


def csrf(client, account_id: int) -> str:
    """The CSRF token of an account's page (its buttons are forms with the token)."""
    return csrf_from(client, f"/organiser/accounts/{account_id}")


def test_a_disabled_account_cannot_log_in_and_its_sessions_end(app, admin_client, make_organiser):
    nina = make_organiser("nina@example.org", "region", "noord", name="Nina Noord")
    hub = app.test_client()
    log_in(hub, "nina@example.org")
    assert hub.get("/organiser/").status_code == 200
    response = admin_client.post(
        f"/organiser/accounts/{nina.id}/disable", data={"csrf_token": csrf(admin_client, nina.id)}
    )
    assert response.status_code == 302
    assert hub.get("/organiser/").headers["Location"].startswith("/organiser/login")
    assert log_in(app.test_client(), "nina@example.org").status_code == 200  # refused
    admin_client.post(
        f"/organiser/accounts/{nina.id}/enable", data={"csrf_token": csrf(admin_client, nina.id)}
    )
    assert log_in(app.test_client(), "nina@example.org").status_code == 302
    assert actions()[-2:] == ["account.disable", "account.enable"]


def test_the_invitation_can_be_sent_again_until_a_password_is_set(admin_client, make_organiser):
    invite(admin_client)
    nina = account("nina@example.org")
    url = f"/organiser/accounts/{nina.id}/invite"
    admin_client.post(url, data={"csrf_token": csrf(admin_client, nina.id)})
    assert len(outbox("organiser-welcome", to="nina@example.org")) == 2
    nina.password_hash = "set"
    db.session.commit()
    page = text(
        admin_client.post(
            url, data={"csrf_token": csrf(admin_client, nina.id)}, follow_redirects=True
        )
    )
    assert "heeft al een wachtwoord" in page
    assert len(outbox("organiser-welcome", to="nina@example.org")) == 2


def test_the_list_shows_role_hub_state_and_last_login(admin_client, make_organiser):
    make_organiser("nina@example.org", "region", "noord", name="Nina Noord")
    page = text(admin_client.get("/organiser/accounts?lang=en"))
    assert "Nina Noord" in page and "nina@example.org" in page and "Hub organiser" in page
    assert "never" in page  # Nina never logged in; Bea did just now
    assert "Programme office" in page


def test_forms_without_a_csrf_token_change_nothing(admin_client, make_organiser):
    nina = make_organiser("nina@example.org", "region", "noord")
    admin_client.post(f"/organiser/accounts/{nina.id}/disable")
    admin_client.post(INVITE, data={"name": "X", "email": "x@example.org", "role": "admin"})
    assert account("nina@example.org").active
    assert account("x@example.org") is None


def test_accounts_pages_for_each_kind_of_visitor(app, make_edition, make_organiser):
    make_edition(2027)
    make_organiser("bea@example.org", "admin")
    nina = make_organiser("nina@example.org", "region", "noord")
    make_organiser("zoe@example.org", "region", "zuid")
    urls = [
        ("GET", "/organiser/accounts"),
        ("GET", INVITE),
        ("POST", INVITE),
        ("GET", f"/organiser/accounts/{nina.id}"),
        ("POST", f"/organiser/accounts/{nina.id}"),
        ("POST", f"/organiser/accounts/{nina.id}/disable"),
        ("POST", f"/organiser/accounts/{nina.id}/enable"),
        ("POST", f"/organiser/accounts/{nina.id}/invite"),
    ]
    for who, expected in (
        (None, 302),
        ("zoe@example.org", 403),  # another hub's organiser
        ("nina@example.org", 403),  # the hub's own organiser: not even their own account
        ("bea@example.org", None),
    ):
        client = app.test_client()
        if who:
            log_in(client, who)
        # A valid CSRF token, so it is the authorisation (not CSRF) that refuses.
        token = csrf_from(client, "/organiser/profile" if who else "/organiser/login")
        for method, url in urls:
            data = {"csrf_token": token, "role": "admin"}
            response = client.open(url, method=method, data=data)
            if expected is None:
                assert response.status_code in (200, 302), (who, url)
            else:
                assert response.status_code == expected, (who, method, url)
        if expected is not None:  # refused: nothing changed
            nina = account("nina@example.org")
            assert (nina.role, nina.active) == ("region", True)
    assert account("nina@example.org").role == "admin"  # the admin's post did change it


def test_profile_and_audit_pages_for_each_kind_of_visitor(app, make_edition, make_organiser):
    """Every organiser has these pages (their own profile, their own hub's log)."""
    make_edition(2027)
    make_organiser("bea@example.org", "admin")
    make_organiser("nina@example.org", "region", "noord")
    make_organiser("zoe@example.org", "region", "zuid")
    for who in (None, "zoe@example.org", "nina@example.org", "bea@example.org"):
        client = app.test_client()
        if who:
            log_in(client, who)
        for url in ("/organiser/profile", "/organiser/audit"):
            response = client.get(url)
            if who is None:
                assert response.headers["Location"].startswith("/organiser/login"), url
            else:
                assert response.status_code == 200, (who, url)
                assert who in text(client.get("/organiser/profile"))
