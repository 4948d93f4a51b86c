"""Credentials never outlive the entry point: stripped from URLs, masked in text and
in every log record."""

from __future__ import annotations

import io
import logging

import pytest

from app.kit.redaction import (
    RedactingFilter,
    has_credentials,
    install_log_redaction,
    redact_text,
    scrub,
    strip_credentials,
)


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("https://user:s3cret@git.example.org/g/p.git", "https://git.example.org/g/p.git"),
        ("https://ghp_abcdef@github.com/o/r", "https://github.com/o/r"),
        ("ssh://git:pw@host.example/p", "ssh://host.example/p"),
        ("https://h.example/api?private_token=abc&page=2", "https://h.example/api?page=2"),
        ("https://h.example/x?access_token=1#frag", "https://h.example/x#frag"),
        ("https://h.example/x?X-Amz-Signature=zz&a=b", "https://h.example/x?a=b"),
        ("https://u:p@h.example:8443/x", "https://h.example:8443/x"),
        ("deploy:token@host.example:g/p", "host.example:g/p"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),  # an account type
        ("https://github.com/o/r", "https://github.com/o/r"),
        ("/srv/repos/p", "/srv/repos/p"),
    ],
)
def test_strip_credentials(url: str, clean: str) -> None:
    assert strip_credentials(url) == clean
    assert has_credentials(url) is (url != clean)


def test_malformed_url_still_loses_its_credentials() -> None:
    assert "s3cret" not in strip_credentials("https://u:s3cret@h.example:99999999/x")


def test_redact_text_masks_urls_inside_free_text() -> None:
    text = (
        "fatal: unable to access 'https://user:s3cret@h.example/x.git/?token=abc&a=1': "
        "denied; see https://h.example/help?page=2"
    )
    redacted = redact_text(text)
    assert "s3cret" not in redacted
    assert "abc" not in redacted
    assert "https://***@h.example/x.git/?token=***&a=1" in redacted
    assert "https://h.example/help?page=2" in redacted  # nothing secret: unchanged


def test_scrub_cleans_every_url_in_job_params() -> None:
    params = {
        "location": "https://u:tok@h.example/p",
        "nested": [{"url": "https://h.example/?private_token=x"}],
        "steps": 3,
    }
    assert scrub(params) == {
        "location": "https://h.example/p",
        "nested": [{"url": "https://h.example/"}],
        "steps": 3,
    }


def _capture(logger: logging.Logger) -> tuple[io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return stream, handler


def test_every_log_record_is_redacted_whatever_its_handler() -> None:
    """A record from a child logger (propagating to a handler the app never
    configured), its arguments and its traceback are all masked."""
    install_log_redaction()
    logger = logging.getLogger("tests.redaction.child")
    stream, handler = _capture(logger)
    try:
        logger.info("cloning %s", "https://bob:hunter2@git.example.org/p.git")
        try:
            raise RuntimeError("git failed for https://x:hunter2@h.example/p?private_token=t0k")
        except RuntimeError:
            logger.exception("scan failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "hunter2" not in output, output
    assert "t0k" not in output, output
    assert "https://***@git.example.org/p.git" in output
    assert "RuntimeError" in output  # the traceback is still there


def test_the_filter_redacts_on_a_handler() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "GET %s", ("https://h.example/?access_token=abc",), None
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == "GET https://h.example/?access_token=***"


def test_access_log_lines_lose_credential_parameters() -> None:
    line = '127.0.0.1 - "GET /v1/origins/lookup?url=https://u:p@h.example/x&token=abc HTTP/1.1"'
    assert redact_text(line) == (
        '127.0.0.1 - "GET /v1/origins/lookup?url=https://***@h.example/x&token=*** HTTP/1.1"'
    )
