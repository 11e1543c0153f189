"""WSGI entry point: ``gunicorn wsgi:app``."""

from eventsite import create_app

try:
    app = create_app()
except SystemExit as refused:
    # gunicorn restarts a worker that exits, forever; an exception while booting makes it stop
    # ("Worker failed to boot") and print why.
    raise RuntimeError(str(refused)) from None
