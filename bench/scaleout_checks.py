"""The clients and the checks of bench/scaleout.py."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import count
from urllib.parse import urlencode, urlsplit

from limits import parse
from sqlalchemy import func, select

from bench.fill import bench_app
from bench.loadgen import Connection, FormReader, SignupForm, cookie_header
from config import ProductionConfig
from eventsite.extensions import db
from eventsite.mail.models import QUEUED, SENDING, OutboxMessage
from eventsite.programme.models import ProgrammeSession
from eventsite.registration.models import CONFIRMED, Attendee, Registration

REDIRECT = (302, 303)
# More sign-ups than the documented per-address limit (config: REGISTRATION_LIMIT_PER_IP).
RATE_LIMIT_ATTEMPTS = parse(ProductionConfig.REGISTRATION_LIMIT_PER_IP).amount + 10
_addresses = count(1)


def next_address() -> str:
    """A client address of its own for every sign-up (10.x.y.z), as the proxy passes it."""
    n = next(_addresses)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


@dataclass
class Outcome:
    emails: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def open_form(conn: Connection, path: str, headers: dict) -> tuple[FormReader, dict]:
    """GET a page with a form; the form and the headers that post it with its session."""
    page = await conn.request("GET", path, headers)
    if page.status != 200:
        raise RuntimeError(f"GET {path}: {page.status}")
    jar: dict[str, str] = {}
    cookie_header(page.cookies, jar)
    form = FormReader()
    form.feed(page.body.decode("utf-8", "replace"))
    post_headers = {
        **headers,
        "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return form, post_headers


async def sign_up_everywhere(ports: list[int], clients: int, total: int) -> Outcome:
    """``total`` sign-ups by ``clients`` concurrent clients; each alternates the instances,
    so a form fetched from one instance is posted to the other."""
    outcome = Outcome()
    per_client = -(-total // clients)

    async def client(i: int) -> None:
        conns = [Connection("127.0.0.1", port) for port in ports]
        try:
            headers = {"Accept-Language": "nl", "X-Forwarded-For": next_address()}
            reader, post_headers = await open_form(conns[i % 2], "/register", headers)
            form = SignupForm(reader, i)
            for n in range(per_client):
                if i * per_client + n >= total:
                    break
                post_headers["X-Forwarded-For"] = next_address()
                answer = await conns[(i + n + 1) % 2].request(
                    "POST", reader.action or "/register", post_headers, form.next_body()
                )
                if answer.status in REDIRECT:
                    outcome.emails.append(form.last_email)
                else:
                    outcome.errors.append(f"sign-up {form.last_email}: {answer.status}")
        except (OSError, RuntimeError, asyncio.IncompleteReadError) as error:
            outcome.errors.append(f"client {i}: {error}")
        finally:
            for conn in conns:
                conn.close()

    await asyncio.gather(*(client(i) for i in range(clients)))
    return outcome


def confirm_link(message) -> str | None:
    """The confirmation link in a mail's text."""
    part = message.get_body(preferencelist=("plain",))
    text = part.get_content() if part else ""
    links = re.findall(r"https?://[^\s<>\"]+", text)
    return next((link for link in links if "/confirm/" in link), None)


async def confirm_everywhere(mails: list, ports: list[int], clients: int) -> Outcome:
    """Follow every confirmation link and send its form, spread over both instances."""
    outcome = Outcome()
    limit = asyncio.Semaphore(clients)

    async def confirm(i: int, message) -> None:
        link = confirm_link(message)
        if link is None:
            outcome.errors.append(f"no confirmation link in the mail to {message['To']}")
            return
        path = urlsplit(link).path
        async with limit:
            conn = Connection("127.0.0.1", ports[i % 2])
            try:
                headers = {"Accept-Language": "nl", "X-Forwarded-For": next_address()}
                form, post_headers = await open_form(conn, path, headers)
                body = urlencode(form.hidden).encode()
                answer = await conn.request("POST", form.action or path, post_headers, body)
                if answer.status >= 400:
                    outcome.errors.append(f"confirm {path[:20]}...: {answer.status}")
                else:
                    outcome.emails.append(str(message["To"]))
            except (OSError, RuntimeError, asyncio.IncompleteReadError) as error:
                outcome.errors.append(f"confirm: {error}")
            finally:
                conn.close()

    await asyncio.gather(*(confirm(i, m) for i, m in enumerate(mails)))
    return outcome


def _query(uri: str, work):
    app = bench_app(uri)
    with app.app_context():
        try:
            return work()
        finally:
            db.session.remove()
            db.engine.dispose()


def outbox_pending(uri: str) -> int:
    return _query(
        uri,
        lambda: db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.state.in_((QUEUED, SENDING)))
        ),
    )


def stored_once(uri: str, emails: list[str]) -> dict[str, bool]:
    stored = _query(uri, lambda: list(db.session.scalars(select(Attendee.email))))
    counts = Counter(stored)
    return {
        "every_signup_stored": set(e.lower() for e in emails) <= set(counts),
        "no_attendee_twice": all(n == 1 for n in counts.values()),
        "nothing_stored_that_was_not_signed_up": len(counts) == len(set(emails)),
    }


def mailed_once(deliveries: list[tuple[str, str]], emails: list[str]) -> dict[str, bool]:
    ids = Counter(message_id for message_id, _ in deliveries)
    recipients = Counter(recipient.lower() for _, recipient in deliveries)
    wanted = {e.lower() for e in emails}
    return {
        "no_message_id_delivered_twice": all(n == 1 for n in ids.values()),
        "every_signup_got_one_confirmation_mail": all(recipients[e] == 1 for e in wanted),
        "no_mail_to_anyone_else": set(recipients) <= wanted,
    }


def capacity_kept(uri: str, slug: str, capacity: int) -> dict[str, bool]:
    def numbers():
        session = db.session.scalar(select(ProgrammeSession).filter_by(slug=slug))
        states = Counter(
            db.session.scalars(select(Registration.state).filter_by(session_id=session.id))
        )
        return session.confirmed_count, states

    confirmed_count, states = _query(uri, numbers)
    demand = sum(states.values())
    return {
        "capacity_never_exceeded": states[CONFIRMED] <= capacity,
        "confirmed_count_matches_registrations": confirmed_count == states[CONFIRMED],
        "no_place_left_empty_while_wanted": states[CONFIRMED] == min(capacity, demand),
    }


async def rate_limit_shared(ports: list[int]) -> dict[str, bool]:
    """Spend one address's sign-up limit on instance A; B must refuse the next one."""
    address = "10.255.255.254"
    a, b = (Connection("127.0.0.1", port) for port in ports)
    try:
        headers = {"Accept-Language": "nl", "X-Forwarded-For": address}
        reader, post_headers = await open_form(a, "/register", headers)
        form = SignupForm(reader, 99_999)
        accepted = 0
        for _ in range(RATE_LIMIT_ATTEMPTS):
            answer = await a.request(
                "POST", reader.action or "/register", post_headers, form.next_body()
            )
            if answer.status == 429:
                break
            accepted += 1
        else:
            return {"rate_limit_reached_on_a": False, "rate_limit_shared_with_b": False}
        answer = await b.request(
            "POST", reader.action or "/register", post_headers, form.next_body()
        )
        return {
            "rate_limit_reached_on_a": accepted > 0,
            "rate_limit_shared_with_b": answer.status == 429,
        }
    finally:
        a.close()
        b.close()
