"""Email, sent with the standard library's smtplib: set-password links are its only use.

Without a mail server (development and tests only: production refuses to start without one while
password sign-in is on) the message is written to the server's log instead, so a developer can
follow the link.
"""

import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app

#: How long a mail server may take to answer before the admin is told the message was not sent.
SMTP_TIMEOUT_SECONDS = 15


class MailNotSent(RuntimeError):
    """The mail server could not be reached or refused the message."""


def send(to: str, subject: str, body: str) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"] or "dailylife@localhost"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if not config.get("MAIL_SERVER"):
        current_app.logger.warning(
            "No mail server is configured (DAILYLIFE_MAIL_SERVER); this message was not sent:"
            "\nTo: %s\nSubject: %s\n\n%s", to, subject, body)
        return
    try:
        _deliver(message, config)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.error("mail to %s not sent: %s", to, error)
        raise MailNotSent(str(error)) from error


def _deliver(message: EmailMessage, config) -> None:
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                      timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config["MAIL_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def settings_problem(config) -> str | None:
    """Why production cannot start with these mail settings, or None.

    Set-password links are how people get a password, so password sign-in needs a mail server;
    and the links must not take their host from the request (a forged Host header would send
    the token to someone else's site), so they need the configured base URL.
    """
    if config["ENV_NAME"] != "production" or not config.get("PASSWORD_SIGNIN", True):
        return None
    if not config.get("MAIL_SERVER"):
        return ("DAILYLIFE_MAIL_SERVER is not set. People get their password through a "
                "set-password link by email: set the mail server (and DAILYLIFE_MAIL_FROM), or "
                "set DAILYLIFE_PASSWORD_SIGNIN=false if everyone signs in through single sign-on.")
    if not config.get("MAIL_FROM"):
        return "DAILYLIFE_MAIL_FROM is not set: the address set-password emails come from."
    base_url = config.get("BASE_URL") or ""
    if not base_url.startswith("https://"):
        return ("DAILYLIFE_BASE_URL must be the https:// address people open dailylife at (for "
                "example https://dailylife.example.gov.uk): links in emails are built from it.")
    return None
