"""The ceiling: a minimal Flask app, served by the same gunicorn settings as the site.

    gunicorn -c config/gunicorn.py bench.hello_app:app

Every figure of bench/run.py is also given as a ratio to this app's requests per second:
whatever the site does beyond returning a string is what the ratio shows.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """The smallest useful answer."""
    return "Hello, World!"
