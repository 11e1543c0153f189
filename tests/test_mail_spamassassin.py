"""SpamAssassin, with its local rules only (no DNS or network tests), scores every kind of
mail the site sends at most 1.0 (5.0 is spam); the scores are printed (`pytest -s`)."""

from __future__ import annotations

import pytest

from tests.interop_tools import spamassassin_scores
from tests.mail_corpus import build_full_corpus

MAX_SCORE = 1.0
CARELESS_ID = "<careless@example.nl>"
CARELESS_MAIL = (
    b"From: jaarevent@smartindustry.nl\r\nTo: anna@example.nl\r\n"
    b"Subject: FREE!!! CLICK NOW TO WIN $$$\r\n"
    b"Message-ID: " + CARELESS_ID.encode() + b"\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    b"<html><body><p><font color=red size=7>CLICK HERE NOW!!! FREE MONEY!!!</font></p>"
    b'<a href="http://198.51.100.7/win">http://198.51.100.7/win</a></body></html>\r\n'
)


@pytest.mark.parametrize("database_uri", ["sqlite"], indirect=True)
def test_every_kind_of_mail_scores_at_most_one(
    client, open_edition, smtp, make_organiser, tmp_path
):
    corpus = build_full_corpus(client, smtp, make_organiser)
    raw = [envelope.original_content or envelope.content for envelope in smtp.catcher.envelopes]
    scores = spamassassin_scores([*raw, CARELESS_MAIL], tmp_path)
    # The rules bite: a careless mail (HTML only, no Date, shouting) scores well above 1.0.
    careless = scores.pop(CARELESS_ID)
    print(f"\ncareless mail: {careless.score} [{careless.tests}]")
    assert careless.score > 2 * MAX_SCORE
    report = []
    for mail in corpus:
        score = scores[str(mail["Message-ID"]).strip()]
        report.append(f"{score.score:5.1f}  {str(mail['Subject']).strip()[:60]}")
        report.append(f"       {score.tests}")
    print("\nSpamAssassin (local rules):\n" + "\n".join(report))
    assert len(corpus) == len(raw) >= 18
    assert all(score.score <= MAX_SCORE for score in scores.values()), "\n".join(report)
