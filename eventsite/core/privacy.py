"""The privacy statement's version: stored with each consent (GDPR art. 7(1))."""

PRIVACY_VERSION = "2026-11"
