"""Every kind of mail the site sends, as received: headers no relay or client has to guess."""

import re
from email.utils import parsedate_to_datetime

from tests.helpers import mail_text
from tests.mail_corpus import build_corpus

# confirm, welcome, an invite per session (two), already, drop, cancelled, organiser welcome, reset,
# keep-me-posted confirmation and announcement
KINDS = 11


def test_every_mail_has_language_utc_date_and_7bit_parts(
    client, open_edition, smtp, make_organiser
):
    corpus = build_corpus(client, smtp, make_organiser)
    assert len(corpus) == KINDS
    for mail in corpus:
        assert mail["Content-Language"] in ("nl", "en"), mail["Subject"]
        assert mail["Date"].endswith("+0000"), mail["Date"]
        assert parsedate_to_datetime(mail["Date"]).utcoffset().total_seconds() == 0
        for part in mail.walk():
            if part.is_multipart():
                continue
            # Encoded, so no 8-bit byte reaches a relay unannounced.
            assert part["Content-Transfer-Encoding"] in ("quoted-printable", "base64", "7bit")
    assert {m["Content-Language"] for m in corpus} == {"nl", "en"}


def test_the_raw_mails_are_pure_ascii(client, open_edition, smtp, make_organiser):
    corpus = build_corpus(client, smtp, make_organiser)
    for envelope in smtp.catcher.envelopes:
        raw = envelope.original_content or envelope.content
        raw.decode("ascii")  # accented text included: it is all encoded
    # The corpus has non-ASCII text to encode ("De Vries Metaal B.V." aside): the en dash.
    assert any("–" in mail_text(m) for m in corpus)


def test_no_link_in_a_text_part_is_followed_by_punctuation(
    client, open_edition, smtp, make_organiser
):
    corpus = build_corpus(client, smtp, make_organiser)
    for mail in corpus:
        text = mail_text(mail)
        glued = re.findall(r"https?://\S*[.,;:!?)]\s", text + " ")
        assert not glued, (mail["Subject"], glued)
    links = [url for m in corpus for url in re.findall(r"https?://\S+", mail_text(m))]
    assert len(links) >= KINDS
    # The organiser welcome's login link (it used to end in a full stop).
    assert any(url.endswith("/organiser/login") for url in links)
