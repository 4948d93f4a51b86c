"""The verification e-mail, sent with the standard library's SMTP client.

The address is read from the outbox row in the task that sends it and deleted in the
same transaction, so it exists in clear only between the request and the send. The
message carries the code and how to use it, never a link with the code in it (links
end up in proxies' and browsers' logs).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from app.config import Settings


class MailNotConfigured(RuntimeError):
    pass


def verification_message(settings: Settings, to: str, public_id: str, code: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = f"Confirm your CodeCommons opt-out {public_id}"
    message.set_content(
        "Someone (we hope you) asked CodeCommons to exclude the code you authored under\n"
        "this address from datasets. If it was you, confirm with this code:\n\n"
        f"    {code}\n\n"
        f"for example: codecommons optouts confirm {public_id} {code}\n"
        f"or POST /v1/optouts/{public_id}/email/confirm with the request's token.\n\n"
        "If it was not you, ignore this message: nothing happens without the code.\n"
    )
    return message


def send(settings: Settings, message: EmailMessage) -> None:
    """Send one message (raises ``smtplib.SMTPException`` / ``OSError`` on failure)."""
    if not settings.smtp_host:
        raise MailNotConfigured("SMTP_HOST is not set")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username and settings.smtp_password is not None:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(message)
