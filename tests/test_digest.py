"""The weekly digest goes through a real SMTP server (aiosmtpd on 127.0.0.1): plain, and STARTTLS with login."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

pytest.importorskip("aiosmtpd", reason="pip install -e '.[test]'")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult  # noqa: E402

from report_sample import build_sample  # noqa: E402
from reports.render import render_overview  # noqa: E402
from reputation.digest import DigestError, SmtpSettings, digest_message, send_digest  # noqa: E402
from reputation.exports import write_rows  # noqa: E402


OVERVIEW = build_sample(12)[0]


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def plain_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    cert, key = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts this server's certificate, as with a private CA
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox, logins = Inbox(), []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"marketing", b"s3cret"), handled=False)

    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), tls_context=context, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True)
    controller.start()
    yield controller, inbox, logins
    controller.stop()


def settings(controller, **env):
    base = {"REPMON_SMTP_HOST": "127.0.0.1", "REPMON_SMTP_PORT": str(controller.port), "REPMON_SMTP_SECURITY": "none",
            "REPMON_SMTP_FROM": "repmon@northwind.example", "REPMON_SMTP_TO": "web@northwind.example, pr@northwind.example"}
    return SmtpSettings.from_env({**base, **env})


def test_the_digest_is_the_overview_as_html_with_a_text_summary_and_the_workbook(plain_server, tmp_path):
    controller, inbox = plain_server
    workbook = tmp_path / "findings.xlsx"
    write_rows([{"npi": "1", "source": "vitals", "shown": "=1+1"}], "xlsx", workbook)
    s = settings(controller)
    send_digest(s, digest_message(s, OVERVIEW, render_overview(OVERVIEW), workbook))
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "repmon@northwind.example"
    assert envelope.rcpt_tos == ["web@northwind.example", "pr@northwind.example"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"].startswith(f"{OVERVIEW.title}: {OVERVIEW.week}, {OVERVIEW.headline.open_findings.value} open findings")
    text = message.get_body(("plain",)).get_content()
    assert f"Open findings: {OVERVIEW.headline.open_findings.value}" in text and "HIPAA" in text
    html = BeautifulSoup(message.get_body(("html",)).get_content(), "html.parser")
    assert html.select_one("#coverage table.matrix") and html.select_one(".notice").get_text().startswith("Before you reply (HIPAA)")
    assert not html.select("[src], link[href]")  # self-contained: nothing for a mail client to fetch
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "findings.xlsx" and attachment.get_content() == workbook.read_bytes()


def test_the_text_summary_counts_each_kind_under_the_label_the_reports_use():
    from reputation.digest import summary_text

    lines = summary_text(OVERVIEW).splitlines()
    counted = [row for row in OVERVIEW.findings_by_kind if row.count]
    assert counted and all(f"  {row.kind.label}: {row.count}" in lines for row in counted)


def test_the_digest_goes_over_starttls_with_a_login(tls_server):
    controller, inbox, logins = tls_server
    s = settings(controller, REPMON_SMTP_SECURITY="starttls", REPMON_SMTP_USER="marketing", REPMON_SMTP_PASSWORD="s3cret")
    send_digest(s, digest_message(s, OVERVIEW, render_overview(OVERVIEW)))
    assert logins == [(b"marketing", b"s3cret")] and len(inbox.envelopes) == 1


def test_a_wrong_password_is_reported_not_swallowed(tls_server):
    controller, inbox, _ = tls_server
    s = settings(controller, REPMON_SMTP_SECURITY="starttls", REPMON_SMTP_USER="marketing", REPMON_SMTP_PASSWORD="wrong")
    with pytest.raises(DigestError, match="failed"):
        send_digest(s, digest_message(s, OVERVIEW, render_overview(OVERVIEW)))
    assert inbox.envelopes == []


def test_an_untrusted_certificate_is_refused(tls_server, monkeypatch):
    controller, inbox, _ = tls_server
    monkeypatch.delenv("SSL_CERT_FILE")
    s = settings(controller, REPMON_SMTP_SECURITY="starttls")
    with pytest.raises(DigestError, match="CERTIFICATE_VERIFY_FAILED"):
        send_digest(s, digest_message(s, OVERVIEW, render_overview(OVERVIEW)))


@pytest.mark.parametrize("env, problem", [
    ({"REPMON_SMTP_HOST": ""}, "REPMON_SMTP_HOST"),
    ({"REPMON_SMTP_TO": ""}, "REPMON_SMTP_TO"),
    ({"REPMON_SMTP_SECURITY": "tls13"}, "must be one of"),
    ({"REPMON_SMTP_USER": "marketing"}, "unencrypted"),
])
def test_incomplete_or_unsafe_settings_are_refused_before_anything_is_sent(plain_server, env, problem):
    with pytest.raises(DigestError, match=problem):
        settings(plain_server[0], **env)
