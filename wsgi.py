"""WSGI entry point: ``gunicorn wsgi:app``."""

from eventsite import create_app

app = create_app()
