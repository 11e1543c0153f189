"""Explicit setup: importing a module registers nothing; ``create_app`` (each feature's
``init_app``) registers every blueprint, command, receiver and listener, once per app."""

import subprocess
import sys
import textwrap

COMMANDS = {
    "programme": {"load", "rollover", "demo"},
    "registrations": {"purge", "register-stored"},
    "mail": {"send-queued", "status", "send-reminders", "bounces", "dkim-keygen"},
    "organisers": {"create", "list", "disable"},
}

CHECK = textwrap.dedent(
    """
    import importlib, pkgutil, sys

    import click
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    import eventsite
    from eventsite.messaging.signals import message_sent
    from eventsite.programme import page_versions
    from eventsite.programme.signals import session_cancelled, session_changed
    from eventsite.registration.signals import session_full, waiting_list_started

    SIGNALS = [session_changed, session_cancelled, session_full, waiting_list_started,
               message_sent]

    def receivers():
        return {s.name: sorted(r().__qualname__ for r in s.receivers.values()) for s in SIGNALS}

    def speaker_listener():
        return event.contains(Session, "before_flush",
                              page_versions.touch_sessions_on_speaker_change)

    if sys.argv[1] == "import-all":
        for info in pkgutil.walk_packages(eventsite.__path__, "eventsite."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)
        assert all(not names for names in receivers().values()), receivers()
        assert not speaker_listener()

    config = {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    apps = [eventsite.create_app(config), eventsite.create_app(config)]
    print(receivers())
    assert speaker_listener()
    for app in apps:
        ctx = click.Context(app.cli)
        for group in ("programme", "registrations", "mail", "organisers"):
            command = app.cli.get_command(ctx, group)
            print(group, sorted(command.list_commands(ctx)))
    """
)


def run_check(mode: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", CHECK, mode], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def expected_receivers() -> str:
    return str(
        {
            "session-changed": [
                "close_for_cancelled_session",
                "on_session_changed",
                "rearm_reminders",
                "webhook_session_changed",
            ],
            "session-cancelled": [
                "close_for_cancelled_session",
                "on_session_cancelled",
                "webhook_session_cancelled",
            ],
            "session-full": ["on_session_full"],
            "waiting-list-started": ["on_waiting_list_started"],
            "message-sent": ["audit_message"],
        }
    )


def test_importing_every_module_registers_nothing_and_two_apps_register_once():
    out = run_check("import-all").splitlines()
    assert out[0] == expected_receivers()
    for line in out[1:]:
        group, _, names = line.partition(" ")
        assert set(eval(names)) == COMMANDS[group]  # noqa: S307 (our own printed list)
    assert len(out) == 1 + 2 * len(COMMANDS)


def test_create_app_alone_has_every_command_and_receiver():
    out = run_check("app-only").splitlines()
    assert out[0] == expected_receivers()
    assert {line.partition(" ")[0] for line in out[1:]} == set(COMMANDS)
    for line in out[1:]:
        group, _, names = line.partition(" ")
        assert set(eval(names)) == COMMANDS[group]  # noqa: S307
