"""The weekly overview as an e-mail digest, sent through the organization's SMTP server.

The mail is the overview report itself (one self-contained HTML file: inline CSS and SVG, nothing to
load) with a plain-text summary for clients that show no HTML, and the findings workbook attached.

Configured by environment variables, so the password never appears on a command line or in cron:

- ``REPMON_SMTP_HOST`` (required) and ``REPMON_SMTP_PORT`` (default 587; 465 with ``ssl``, 25 with ``none``);
- ``REPMON_SMTP_SECURITY``: ``starttls`` (default), ``ssl`` (implicit TLS) or ``none`` (a local relay);
- ``REPMON_SMTP_USER`` and ``REPMON_SMTP_PASSWORD`` to log in (optional);
- ``REPMON_SMTP_FROM`` (the sender) and ``REPMON_SMTP_TO`` (comma-separated recipients).

Certificates are verified against the system's trust store (``SSL_CERT_FILE`` adds a private CA).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from reports.model import Overview

SECURITY = {"starttls": 587, "ssl": 465, "none": 25}
TIMEOUT = 60


class DigestError(ValueError):
    """The digest cannot be sent as configured."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str | None
    password: str | None
    sender: str
    recipients: tuple[str, ...]

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, recipients: list[str] | None = None) -> SmtpSettings:
        """Settings from REPMON_SMTP_*; ``recipients`` (e.g. ``--email-to``) replaces REPMON_SMTP_TO."""
        host = env.get("REPMON_SMTP_HOST", "").strip()
        security = env.get("REPMON_SMTP_SECURITY", "starttls").strip().lower()
        to = tuple(recipients or [a.strip() for a in env.get("REPMON_SMTP_TO", "").split(",") if a.strip()])
        sender = env.get("REPMON_SMTP_FROM", "").strip()
        problems = [name for name, value in (("REPMON_SMTP_HOST", host), ("REPMON_SMTP_FROM", sender),
                                             ("REPMON_SMTP_TO (or --email-to)", to)) if not value]
        if problems:
            raise DigestError(f"cannot send the digest: set {', '.join(problems)}")
        if security not in SECURITY:
            raise DigestError(f"REPMON_SMTP_SECURITY must be one of {', '.join(SECURITY)}, not {security!r}")
        try:
            port = int(env.get("REPMON_SMTP_PORT") or SECURITY[security])
        except ValueError:
            raise DigestError(f"REPMON_SMTP_PORT is not a number: {env.get('REPMON_SMTP_PORT')!r}") from None
        user = env.get("REPMON_SMTP_USER") or None
        password = env.get("REPMON_SMTP_PASSWORD") or None
        if user and security == "none":
            raise DigestError("refusing to send the SMTP password unencrypted: use REPMON_SMTP_SECURITY=starttls or ssl")
        return cls(host, port, security, user, password, sender, to)


def digest_message(settings: SmtpSettings, overview: Overview, html: str, attachment: Path | None = None) -> EmailMessage:
    """The digest: ``html`` (the rendered overview) with a plain-text summary of ``overview`` (its model)."""
    message = EmailMessage()
    headline = overview.headline
    message["Subject"] = (f"{overview.title}: {overview.week or 'no crawl yet'}, {headline.open_findings.value} open findings, "
                          f"{headline.new_reviews.value} new reviews")
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(summary_text(overview))
    message.add_alternative(html, subtype="html")
    if attachment is not None and attachment.exists():
        message.add_attachment(attachment.read_bytes(), maintype="application",
                               subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=attachment.name)
    return message


def summary_text(overview: Overview) -> str:
    h = overview.headline
    coverage = h.coverage.value
    rating = h.average_rating.value
    take_down = [f"Replies to take down today (patient information, HIPAA): {len(overview.take_down)}"] if overview.take_down else []
    lines = [
        f"{overview.title}, {overview.week or 'no crawl yet'}",
        "",
        *take_down,
        f"Physicians monitored: {h.physicians}",
        f"Listing coverage: {'-' if coverage is None else f'{coverage:.0%}'}",
        f"Open findings: {h.open_findings.value}",
        *(f"  {row.kind.label}: {row.count}" for row in overview.findings_by_kind if row.count),
        f"Average rating: {'-' if rating is None else f'{rating:.2f}'}",
        f"New reviews this week: {h.new_reviews.value}",
        f"New negative reviews to respond to: {overview.negative_reviews_total}",
        *social_lines(overview),
        "",
        "The full report is the HTML part of this message; every open finding is in the attached workbook.",
        "When answering a review, never confirm or imply that the reviewer is a patient (HIPAA).",
    ]
    return "\n".join(lines) + "\n"


def social_lines(overview: Overview) -> list[str]:
    """The social presence in a few lines: physicians per network read weekly, ambassadors, the system's
    channels, and how many accounts could not be read (unknown, never gone)."""
    social = overview.social
    if social is None:
        return []
    lines = ["Social presence:"]
    for n in social.networks:
        if n.share is not None:
            change = f" ({n.change * 100:+.1f} pts)" if n.change else ""
            lines.append(f"  {n.site.label}: {n.physicians} physicians, {n.share:.0%}{change}"
                         + ("" if n.checked else " (on record, not checked)"))
    if social.ambassadors:
        quiet = sum(1 for a in social.ambassadors if a.status == "ok" and not a.own_posts_28d)
        lines.append(f"  Ambassadors: {len(social.ambassadors)}" + (f", {quiet} without a post in 28 days" if quiet else ""))
    if social.channel_followers is not None:
        change = sum(t.change for t in social.channel_totals if t.change is not None)
        lines.append(f"  System channels: {social.channel_followers:,} followers ({change:+,} since last week)")
    if social.unknown:
        lines.append(f"  Accounts that could not be read this week (unknown): {social.unknown}")
    if social.suggested:
        lines.append(f"  Accounts suggested, waiting for a person (repmon social review): {social.suggested}")
    return lines


def send_digest(settings: SmtpSettings, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    try:
        if settings.security == "ssl":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
        with client:
            if settings.security == "starttls":
                client.starttls(context=context)
            if settings.user:
                client.login(settings.user, settings.password or "")
            client.send_message(message, from_addr=settings.sender, to_addrs=list(settings.recipients))
    except (OSError, smtplib.SMTPException) as exc:
        raise DigestError(f"sending the digest through {settings.host}:{settings.port} failed: {exc}") from exc
