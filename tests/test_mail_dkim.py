"""DKIM: `flask mail dkim-keygen` makes a key; a mail signed with it verifies against the record."""

import re

import dkim

from tests.helpers import sign_up


def test_a_signed_mail_verifies_against_the_generated_record(
    app, client, runner, open_edition, smtp, tmp_path
):
    key = tmp_path / "dkim.pem"
    result = runner.invoke(
        args=["mail", "dkim-keygen", "--selector", "je2027", "--domain", "smartindustry.nl",
              "--out", str(key)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert key.stat().st_mode & 0o077 == 0  # the private key is for the site's user only
    record = re.search(r"je2027\._domainkey\.smartindustry\.nl\. IN TXT \( (.*) \)", result.output)
    txt_value = "".join(re.findall(r'"([^"]*)"', record.group(1)))
    assert txt_value.startswith("v=DKIM1; k=rsa; p=")
    app.config.update(
        MAIL_DKIM_DOMAIN="smartindustry.nl", MAIL_DKIM_SELECTOR="je2027",
        MAIL_DKIM_PRIVATE_KEY=str(key),
    )  # fmt: skip

    sign_up(client, email="anna@example.nl")
    smtp.wait_for("anna@example.nl", 1)
    raw = smtp.catcher.envelopes[-1].original_content

    def dnsfunc(name, timeout=5):
        assert name == b"je2027._domainkey.smartindustry.nl."
        return txt_value.encode()

    assert raw.startswith(b"DKIM-Signature:")
    signed = re.search(rb"h=([^;]+);", raw.replace(b"\r\n", b"").replace(b" ", b"")).group(1)
    assert set(signed.lower().split(b":")) >= {
        b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type"
    }  # fmt: skip
    assert dkim.verify(raw, dnsfunc=dnsfunc)
    # A changed subject breaks the signature: it is really checked.
    assert not dkim.verify(raw.replace(b"Subject: ", b"Subject: Re: ", 1), dnsfunc=dnsfunc)


def test_without_dkim_configured_mail_is_not_signed(client, open_edition, smtp):
    sign_up(client, email="anna@example.nl")
    smtp.wait_for("anna@example.nl", 1)
    assert b"DKIM-Signature" not in smtp.catcher.envelopes[-1].original_content
