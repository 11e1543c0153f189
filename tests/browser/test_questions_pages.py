"""axe-core on the pages of issue 15 (the questions, the mail texts, the campaign links, and the
sign-up form with questions and their errors) in Dutch and English on a phone and a desktop;
no Content-Security-Policy errors (the questions' script is a file of the site)."""

from __future__ import annotations

import pytest

from eventsite.extensions import db
from eventsite.programme.models import ProgrammeSession
from tests.browser.harness import DESKTOP, PHONE, assert_accessible, expect, log_in, screenshot


@pytest.mark.parametrize(
    ("language", "viewport"),
    [("nl", PHONE), ("en", PHONE), ("nl", DESKTOP)],
    ids=["nl-phone", "en-phone", "nl-desktop"],
)
def test_question_mail_and_source_pages_are_accessible(
    live_site, organiser_account, make_page, language, viewport
):
    site, slug = live_site, live_site.slugs[0]
    with site.database() as session:
        hosted = session.scalar(db.select(ProgrammeSession).filter_by(slug=slug))
        year, hub = hosted.edition.year, hosted.region.name
    page = make_page(viewport, language)
    csp_errors = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )

    def check(label: str) -> None:
        assert page.locator("html").get_attribute("lang") == language, label
        assert_accessible(page, label)

    log_in(page, site, organiser_account)
    questions = site(f"/organiser/editions/{year}/questions")
    page.goto(questions)
    check("questions, none yet")
    page.locator("main form.card button[type=submit]").last.click()  # empty: errors
    expect(page.locator("main .error-summary")).to_be_visible()
    check("question form with errors")
    page.select_option("#kind", "multiple")
    page.fill("#label", "Welke onderwerpen?")
    page.fill("#choices", "Robotica | Robotics\nData | Data")
    page.check("#required")
    page.check(f"#region-{hosted.region_id}")
    page.locator("main form.card button[type=submit]").last.click()
    expect(page.locator(".question-list > li")).to_have_count(1)
    check("questions")
    device = "phone" if viewport is PHONE else "desktop"
    screenshot(page, f"organisers-questions-{device}-{language}")
    page.locator(".question-list a.button").first.click()
    check("question edit")

    page.goto(site(f"/organiser/editions/{year}/mails"))
    check("mail texts")
    page.goto(site(f"/organiser/editions/{year}/mails/confirm/{language}"))
    check("mail text")
    page.click("button[value=preview]")
    expect(page.locator(".mail-preview")).to_have_count(2)
    check("mail text preview")
    page.fill("#body", "{voornaam}")
    page.click("button[value=save]")
    expect(page.locator("main .error-summary")).to_be_visible()
    check("mail text with an error")

    page.goto(site(f"/organiser/editions/{year}/sources"))
    page.fill("#name", "Nieuwsbrief")
    page.fill("#code", f"nieuwsbrief-{language}-{device}")
    page.select_option("#region", label=hub)
    page.locator("main form.card button[type=submit]").last.click()
    expect(page.locator(".copy-link")).to_have_count(1)
    check("campaign links")

    # The sign-up form: the hub's question shows once its session is ticked; errors at it.
    visitor = make_page(viewport, language)
    visitor.goto(site("/register"))
    question = visitor.locator(".question")
    expect(question).to_be_hidden()
    visitor.check(f"#session-{slug}")
    expect(question).to_be_visible()
    visitor.locator("main form button[type=submit]").click()
    expect(visitor.locator(".question .field-error")).to_be_visible()
    assert_accessible(visitor, "sign-up form with a question's error")
    screenshot(visitor, f"register-questions-{device}-{language}")
    assert csp_errors == []
