"""The benchmark's own parts: the load generator's HTTP parsing and form reading, the verdicts."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from bench.loadgen import FormReader, SignupForm, percentile, read_response
from bench.report import targets
from bench.run import combined


def parse(raw: bytes, method: str = "GET"):
    async def go():
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        return await read_response(reader, method)

    # A thread of its own: the browser tests leave an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(go())).result()


def test_reads_bodies_by_length_by_chunks_and_none_for_304():
    fixed = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1; Path=/\r\n\r\nhello")
    assert fixed.status == 200 and fixed.body == b"hello" and fixed.cookies == ["a=1; Path=/"]
    chunked = parse(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"
    )
    assert chunked.body == b"abcde"
    assert parse(b'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n').body == b""
    closing = parse(b"HTTP/1.0 200 OK\r\n\r\nuntil the end")
    assert closing.body == b"until the end" and closing.headers["connection"] == "close"


def test_signup_form_keeps_hidden_values_fills_fields_and_leaves_the_honeypot_empty():
    reader = FormReader()
    reader.feed(
        '<form method="get"><input name="q"></form>'
        '<form method="post" action="/register">'
        '<input type="hidden" name="csrf_token" value="tok">'
        '<input name="name"><input type="email" name="email"><input name="website">'
        '<input type="checkbox" name="sessions" value="2027-noord">'
        '<input type="checkbox" name="sessions" value="2027-oost">'
        '<input type="checkbox" name="consent" value="y"><button>Go</button></form>'
    )
    assert reader.action == "/register"
    form = SignupForm(reader, client_id=3)
    first, second = form.next_body().decode(), form.next_body().decode()
    assert "csrf_token=tok" in first and "website=&" in first and "consent=y" in first
    assert form.last_email.endswith("-3-2@example.org") and form.last_email in second.replace(
        "%40", "@"
    )
    assert first.count("sessions=") == 2 and second.count("sessions=") == 1


def test_percentiles():
    values = sorted(float(n) for n in range(1, 101))
    assert percentile(values, 0.5) == 51.0 and percentile(values, 0.99) == 99.0
    assert percentile([], 0.5) == 0.0


def test_targets_say_met_not_met_and_not_measured():
    figures = {"rps": 100.0, "p50_ms": 1, "p95_ms": 2, "p99_ms": 300, "errors": 0, "ratio": 0.6}
    results = {
        "sizes": {"csv_rows": 100_000},
        "databases": {
            "sqlite": {
                "endpoints": {
                    "programme": {"32": figures, "128": figures},
                    "signup": {"32": {**figures, "ratio": 0.1, "write_ratio": 0.6}, "128": figures},
                },
                "skipped": {"calendar": "no calendar here"},
                "csv_export": {"seconds": 2.0, "peak_rss_mb": 90.0},
                "outbox": {"skipped": "no sender"},
            }
        },
    }
    verdicts = {t["target"]: t for t in targets(results)}
    assert verdicts["programme page ≥ 0.5 of hello"]["met"] is True
    assert verdicts[".ics ≥ 0.5 of hello"]["met"] is None
    assert verdicts[".ics ≥ 0.5 of hello"]["why"] == "no calendar here"
    assert verdicts["sign-up POST ≥ 0.2 of hello"]["met"] is False
    assert verdicts["sign-up POST ≥ 0.5 of the write ceiling"]["met"] is True
    assert verdicts["GET /register ≥ 0.3 of hello"]["met"] is None
    assert verdicts["sign-up p99 < 250 ms, no error (32 clients)"]["met"] is False
    assert verdicts["CSV 100,000 rows < 3 s, < 150 MB"]["met"] is True
    assert verdicts["outbox ≥ 200 mails/s"]["met"] is None


def test_mailfault_verdict_is_within_twice_only_for_p99_and_rate_and_no_error():
    from bench.mailfault import verdicts

    def case(rps, p99, errors=0):
        figures = {"rps": rps, "p99_ms": p99, "errors": errors}
        return {"programme": figures, "signup": figures}

    healthy = case(100, 200)
    assert verdicts(healthy, case(60, 390))["signup"]["within_twice"]
    assert not verdicts(healthy, case(100, 410))["signup"]["within_twice"]  # p99 > 2x
    assert not verdicts(healthy, case(40, 200))["signup"]["within_twice"]  # < half the rate
    assert not verdicts(healthy, case(100, 200, errors=1))["signup"]["within_twice"]


def test_confirm_links_are_read_from_the_stored_mails(tmp_path):
    from email.message import EmailMessage

    from bench.run import confirm_links

    for number, token in enumerate(["abc.DEF-1", "xyz_2"]):
        message = EmailMessage()
        message["Subject"] = "Bevestig"
        message.set_content(f"Open:\n\nhttp://127.0.0.1:8000/confirm/{token}\n\nGroet")
        message.add_alternative(f'<a href="http://127.0.0.1:8000/confirm/{token}">x</a>', "html")
        (tmp_path / f"{number}.eml").write_bytes(message.as_bytes())
    out = tmp_path / "links.txt"
    assert confirm_links(tmp_path, out) == 2
    assert out.read_text().split() == ["/confirm/abc.DEF-1", "/confirm/xyz_2"]


def test_slices_combine_into_one_rate_and_percentiles_over_all_latencies():
    slices = [
        {"concurrency": 32, "duration_s": 1.0, "errors": 0, "error_samples": [], "rps": 3.0,
         "latencies_ms": [1.0, 2.0, 3.0]},
        {"concurrency": 32, "duration_s": 2.0, "errors": 1, "error_samples": ["500"], "rps": 1.5,
         "latencies_ms": [10.0, 20.0, 30.0]},
    ]
    figure = combined(slices)
    assert figure["requests"] == 6 and figure["rps"] == 2.0  # 6 answers in 3 seconds
    assert figure["p50_ms"] in (3.0, 10.0) and figure["p99_ms"] == figure["max_ms"] == 30.0
    assert figure["errors"] == 1 and figure["error_samples"] == ["500"]
    assert figure["slices_rps"] == [3.0, 1.5]
