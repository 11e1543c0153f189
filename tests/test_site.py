"""Site-wide behaviour: health check, error pages, security headers, cookies."""

from eventsite.extensions import db
from tests.testapp import make_test_app


def test_healthz_is_200_with_json_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path}/missing-dir/none.db")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"


def test_500_page_shows_no_traceback_and_rolls_back(app, client):
    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", "boom", boom)
    response = client.get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Er ging iets mis" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_500_page_in_english(app, client):
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)
    body = client.get("/boom?lang=en").get_data(as_text=True)
    assert "Something went wrong" in body


def test_security_headers_on_every_response(client):
    for url in ("/", "/healthz", "/does-not-exist"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]
        assert "Strict-Transport-Security" not in headers  # development and tests: no HTTPS


def test_production_sends_hsts_and_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTSITE_SECRET_KEY", "x" * 64)
    from eventsite import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"}, env="production")
    with app.app_context():
        db.create_all()
    response = app.test_client().get("/?lang=en", base_url="https://localhost")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in cookie


def test_language_cookie_is_httponly_and_samesite_lax(client):
    cookie = client.get("/?lang=en").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_have_no_inline_script(client, make_edition):
    make_edition()
    for url in ("/", "/editions/2021", "/sessions/2021-noord", "/privacy"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and "onclick=" not in html
