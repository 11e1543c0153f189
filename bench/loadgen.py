"""A small HTTP/1.1 keep-alive load generator on asyncio (standard library only).

Run in a process of its own, so the server under test and the client do not share an
interpreter:

    python bench/loadgen.py --port 8000 --path / --concurrency 32 --duration 5
    python bench/loadgen.py --port 8000 --signup --concurrency 32 --duration 5

It prints one JSON object: requests, errors (with a few samples), requests per second and the
p50/p95/p99/max latency in milliseconds. Every client keeps one connection open and sends its
next request when the previous answer is read (a closed loop, like wrk). Bounded in time
(``--duration``) and in count (``--max-requests``). Plain GETs say they accept what a browser
accepts (``Accept-Encoding: gzip, deflate, br, zstd``), so a page is measured compressed, as
visitors get it; the bodies are not decoded.

``--signup`` is the full sign-up: each client GETs /register once (its cookie jar then holds
the session with the CSRF token), reads the form, and then POSTs it again and again with a
new email address each time. Only a redirect (Post/Redirect/Get) counts as success; a 200 is
the form coming back with errors.

``--post`` POSTs a small form (a new address each time) to ``--path`` without reading a
page first: the write ceiling (bench/write_app.py). ``--confirm-links FILE`` follows
confirmation links (one per line, each used once): GET the link's page (its button's form
and CSRF token), then POST it; only the POSTs are timed and only a redirect counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from html.parser import HTMLParser
from urllib.parse import urlencode

REQUEST_TIMEOUT = 15.0
MAX_ERROR_SAMPLES = 5
# What Chrome and Firefox send: a page is measured as a browser gets it (compressed).
BROWSER_ACCEPT_ENCODING = "gzip, deflate, br, zstd"


class HTTPError(Exception):
    """An answer the scenario does not accept."""


class Response:
    def __init__(self, status: int, headers: dict[str, str], cookies: list[str], body: bytes):
        self.status = status
        self.headers = headers
        self.cookies = cookies
        self.body = body


# gunicorn closes a keep-alive connection idle for GUNICORN_KEEPALIVE (5 s); a request sent
# on it just then is lost ("0 bytes read"). A connection idle this long is opened anew.
MAX_IDLE_SECONDS = 3.0


class Connection:
    """One keep-alive HTTP/1.1 connection that reconnects when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> Response:
        if self.writer is not None and time.monotonic() - self.last_used > MAX_IDLE_SECONDS:
            self.close()  # the server may be closing it right now
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        try:
            response = await read_response(self.reader, method)
        except BaseException:
            self.close()
            raise
        self.last_used = time.monotonic()
        if response.headers.get("connection", "").lower() == "close":
            self.close()
        return response

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def read_response(reader: asyncio.StreamReader, method: str) -> Response:
    """Read one response: status, headers, and a body by length, chunks or close."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    status_line, *header_lines = head.rstrip("\r\n").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for line in header_lines:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            cookies.append(value)
        headers[name] = value
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        body = b""
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = await read_chunked(reader)
    else:
        body = await reader.read()
        headers["connection"] = "close"
    return Response(status, headers, cookies, body)


async def read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return b"".join(parts)
        parts.append((await reader.readexactly(size + 2))[:-2])


class FormReader(HTMLParser):
    """The inputs of the page's form with a CSRF token: hidden values and the checkboxes."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = False
        self.hidden: dict[str, str] = {}
        self.text_fields: list[str] = []
        self.checkboxes: dict[str, list[str]] = {}
        self.action: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post" and self.action is None:
            self.in_form, self.action = True, a.get("action", "")
        elif tag in ("input", "textarea") and self.in_form and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "hidden":
                self.hidden[a["name"]] = a.get("value", "")
            elif kind in ("checkbox", "radio"):
                self.checkboxes.setdefault(a["name"], []).append(a.get("value", "y"))
            elif kind not in ("submit", "button"):
                self.text_fields.append(a["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False


def cookie_header(set_cookies: list[str], jar: dict[str, str]) -> None:
    for value in set_cookies:
        pair = value.split(";", 1)[0]
        name, _, content = pair.partition("=")
        jar[name.strip()] = content.strip()


class SignupForm:
    """One client's filled-in sign-up form; each ``next_body()`` has a new address."""

    def __init__(self, form: FormReader, client_id: int) -> None:
        if "csrf_token" not in form.hidden:
            raise HTTPError("no csrf_token in the /register form")
        self.form, self.client_id, self.count = form, client_id, 0
        self.sessions = form.checkboxes.get("sessions", [])
        self.last_email = ""

    def next_body(self) -> bytes:
        self.count += 1
        email = f"bench-{os.getpid()}-{self.client_id}-{self.count}@example.org"
        self.last_email = email
        values = {name: "" for name in self.form.text_fields}  # the honeypot stays empty
        values.update(self.form.hidden)
        values.update(
            name=f"Bench Client {self.client_id}",
            email=email,
            organisation="Benchmark BV",
            role="Engineer",
        )
        pairs = list(values.items())
        if self.sessions:  # the first session, and every other time a second one
            pairs.append(("sessions", self.sessions[0]))
            if len(self.sessions) > 1 and self.count % 2:
                pairs.append(("sessions", self.sessions[1 + self.count % (len(self.sessions) - 1)]))
        if "consent" in self.form.checkboxes:
            pairs.append(("consent", self.form.checkboxes["consent"][0]))
        return urlencode(pairs).encode()


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.error_samples: list[str] = []

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(what[:300])


class PlainPost:
    """The write ceiling's form: a new address each time."""

    def __init__(self, client_id: int) -> None:
        self.client_id, self.count = client_id, 0

    def next_body(self) -> bytes:
        self.count += 1
        email = f"bench-{os.getpid()}-{self.client_id}-{self.count}@example.org"
        return urlencode({"name": f"Bench Client {self.client_id}", "email": email}).encode()


async def confirm_once(conn: Connection, link: str, headers: dict[str, str]):
    """GET a confirmation link's page, then POST its button; the POST's response."""
    page = await asyncio.wait_for(conn.request("GET", link, headers), REQUEST_TIMEOUT)
    if page.status != 200:
        raise HTTPError(f"GET confirm page: {page.status}")
    jar: dict[str, str] = {}
    cookie_header(page.cookies, jar)
    reader = FormReader()
    reader.feed(page.body.decode("utf-8", "replace"))
    body = urlencode(reader.hidden).encode()
    post_headers = {
        **headers,
        "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    started = time.perf_counter()
    call = conn.request("POST", reader.action or link, post_headers, body)
    response = await asyncio.wait_for(call, REQUEST_TIMEOUT)
    return response, time.perf_counter() - started


async def confirm_loop(args, links: list[str], stats: Stats, warm_until: float, stop_at: float):
    """One client following confirmation links until the time or the links run out."""
    conn = Connection(args.host, args.port)
    headers = {"Accept-Language": args.language, "User-Agent": "eventsite-bench"}
    try:
        while links and (now := time.monotonic()) < stop_at:
            link = links.pop()
            try:
                response, latency = await confirm_once(conn, link, headers)
                if response.status not in (302, 303):
                    raise HTTPError(f"{response.status}: {response.body[:200]!r}")
            except (TimeoutError, OSError, asyncio.IncompleteReadError, HTTPError) as e:
                if now >= warm_until:
                    stats.error(f"{type(e).__name__}: {e}")
                conn.close()
                continue
            if now >= warm_until:
                stats.latencies.append(latency)
    finally:
        conn.close()


async def client_loop(args, client_id: int, stats: Stats, warm_until: float, stop_at: float):
    conn = Connection(args.host, args.port)
    headers = {"Accept-Language": args.language, "User-Agent": "eventsite-bench"}
    jar: dict[str, str] = {}
    form = None
    try:
        if args.post:
            form, action = PlainPost(client_id), args.path
            headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        elif args.signup:
            page = await asyncio.wait_for(
                conn.request("GET", "/register", headers), REQUEST_TIMEOUT
            )
            if page.status != 200:
                raise HTTPError(f"GET /register: {page.status}")
            cookie_header(page.cookies, jar)
            reader = FormReader()
            reader.feed(page.body.decode("utf-8", "replace"))
            form = SignupForm(reader, client_id)
            action = reader.action or "/register"
            headers = {
                **headers,
                "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
                "Content-Type": "application/x-www-form-urlencoded",
            }
        elif args.accept_encoding:
            headers = {**headers, "Accept-Encoding": args.accept_encoding}
        while (now := time.monotonic()) < stop_at and len(stats.latencies) < args.max_requests:
            started = time.perf_counter()
            try:
                if form is not None:
                    call = conn.request("POST", action, headers, form.next_body())
                else:
                    call = conn.request("GET", args.path, headers)
                response = await asyncio.wait_for(call, REQUEST_TIMEOUT)
                latency = time.perf_counter() - started
                ok = response.status in (302, 303) if form else response.status < 400
                if not ok:
                    raise HTTPError(f"{response.status}: {response.body[:200]!r}")
            except (TimeoutError, OSError, asyncio.IncompleteReadError, HTTPError) as e:
                if now >= warm_until:
                    stats.error(f"{type(e).__name__}: {e}")
                conn.close()
                continue
            if now >= warm_until:
                stats.latencies.append(latency)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, HTTPError) as e:
        stats.error(f"setup: {type(e).__name__}: {e}")
    finally:
        conn.close()


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, int(round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


async def run(args) -> dict:
    stats = Stats()
    started = time.monotonic()
    warm_until = started + args.warmup
    stop_at = warm_until + args.duration
    if args.confirm_links:
        with open(args.confirm_links) as lines:
            links = [line.strip() for line in lines if line.strip()]
        clients = range(args.concurrency)
        await asyncio.gather(
            *(confirm_loop(args, links, stats, warm_until, stop_at) for _ in clients)
        )
        stop_at = min(stop_at, time.monotonic())  # the links may run out before the time
    else:
        await asyncio.gather(
            *(client_loop(args, i, stats, warm_until, stop_at) for i in range(args.concurrency))
        )
    measured = max(1e-9, min(time.monotonic(), stop_at) - warm_until)
    ordered = sorted(stats.latencies)
    ms = 1000.0
    return {
        "concurrency": args.concurrency,
        "duration_s": round(measured, 3),
        "requests": len(ordered),
        "errors": stats.errors,
        "error_samples": stats.error_samples,
        "rps": round(len(ordered) / measured, 1),
        "p50_ms": round(percentile(ordered, 0.50) * ms, 2),
        "p95_ms": round(percentile(ordered, 0.95) * ms, 2),
        "p99_ms": round(percentile(ordered, 0.99) * ms, 2),
        "max_ms": round((ordered[-1] if ordered else 0.0) * ms, 2),
        **({"latencies_ms": [round(x * ms, 2) for x in ordered]} if args.raw else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/")
    parser.add_argument("--signup", action="store_true", help="the full sign-up POST")
    parser.add_argument("--post", action="store_true", help="POST a small form (write ceiling)")
    parser.add_argument("--confirm-links", help="a file of confirmation links to follow")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before measuring")
    parser.add_argument("--max-requests", type=int, default=500_000)
    parser.add_argument("--language", default="nl")
    parser.add_argument("--raw", action="store_true", help="also print every latency (ms)")
    parser.add_argument(
        "--accept-encoding",
        default=BROWSER_ACCEPT_ENCODING,
        help="sent with the plain GETs, as a browser does ('' for none); bodies are not decoded",
    )
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the load generator only talks to this machine (127.0.0.1)")
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
