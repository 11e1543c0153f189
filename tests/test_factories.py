"""The factories make only states a visitor could bring about, through the site's services."""

import pytest

from eventsite.clock import utcnow
from eventsite.extensions import db
from eventsite.registration.attendees import find_attendee
from eventsite.registration.models import Attendee
from tests import factories
from tests.helpers import outbox


@pytest.fixture
def noord(open_edition):
    return next(s for s in open_edition.sessions if s.region.slug == "noord")


@pytest.mark.parametrize("state", sorted(factories.STATES))
def test_each_state_is_made_and_leaves_no_set_up_mail(noord, state):
    registration = factories.registration(noord, "anna@example.nl", state=state)
    assert registration.state == factories.STATES[state]
    confirmed = state in ("confirmed", "waiting", "promoted", "dropped", "cancelled")
    assert (registration.attendee.confirmed_at is not None) == confirmed
    assert outbox() == []


def test_a_waiting_list_exists_only_in_a_full_session(noord):
    factories.registration(noord, "plaats@example.nl")
    waiting = factories.registration(noord, "wacht@example.nl", state="waiting")
    db.session.refresh(noord)
    assert noord.is_full and noord.confirmed_count == noord.capacity == 1
    assert waiting.state == "waiting"


def test_a_promoted_person_has_the_place_someone_gave_up(noord):
    promoted = factories.registration(noord, "anna@example.nl", state="promoted")
    db.session.refresh(noord)
    assert promoted.state == "confirmed" and noord.confirmed_count == 1
    stand_in = find_attendee(noord.edition, "plaats.anna@example.nl")
    assert [r.state for r in stand_in.registrations] == ["cancelled"]


def test_a_closed_session_is_signed_up_for_while_it_was_open(make_edition, clock):
    now = clock.at(2026, 11, 1)
    session = make_edition().sessions[0]  # 2021: long over
    registration = factories.registration(session, "anna@example.nl")
    assert registration.state == "confirmed"
    assert registration.created_at < session.start_at
    assert utcnow() == now  # the clock is back where the test put it


def test_erased_leaves_nothing_of_the_person(noord):
    factories.erased(noord, "anna@example.nl")
    assert db.session.scalars(db.select(Attendee)).all() == []
