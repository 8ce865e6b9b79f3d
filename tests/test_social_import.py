"""repmon social import / social channels import: accounts in canonical form, all or nothing, each a run."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session
from typer.testing import CliRunner

from builders import add_physician, npi_with_check_digit
from reputation.cli import app
from reputation.models import SocialAccount, SocialChannel
from reputation.roster_file import RosterError
from reputation.social.imports import import_accounts, import_channels
from reputation.undo import undo_run

JANE = npi_with_check_digit("123456789")
JOHN = npi_with_check_digit("987654321")


@pytest.fixture
def roster(engine):
    add_physician(engine, JANE, "Jane", "Doe")
    add_physician(engine, JOHN, "John", "Roe", department="Neuro")
    return engine


def accounts(engine) -> list[tuple]:
    with Session(engine) as s:
        return sorted((a.npi, a.network, a.account, a.ambassador, a.added)
                      for a in s.execute(select(SocialAccount)).scalars())


def write(tmp_path, text, name="accounts.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_pasted_forms_are_stored_as_one_canonical_id_per_network(roster, tmp_path):
    path = write(tmp_path, "npi,network,account,ambassador\n"
                           f"{JANE},X,https://mobile.twitter.com/DrJane?s=20,yes\n"
                           f"{JANE},bluesky,https://bsky.app/profile/DrJane.bsky.social,\n"
                           f"{JOHN},mastodon,@drjohn@Mastodon.Social,no\n"
                           f"{JOHN},linkedin,linkedin.com/in/john-roe-md/,no\n")
    result = import_accounts(roster, path)
    assert result.added == 4
    assert accounts(roster) == [
        (JANE, "bluesky", "drjane.bsky.social", False, "import"), (JANE, "x", "drjane", True, "import"),
        (JOHN, "linkedin", "in/john-roe-md", False, "import"), (JOHN, "mastodon", "drjohn@mastodon.social", False, "import")]
    again = import_accounts(roster, path)
    assert (again.added, again.unchanged) == (0, 4)


def test_a_bad_row_refuses_the_whole_file_with_line_column_and_reason(roster, tmp_path):
    path = write(tmp_path, "npi,network,account,ambassador\n"
                           f"{JANE},x,@drjane,yes\n"
                           f"{JANE},x,https://x.com/drjane/status/1,no\n"
                           f"1234567890,bluesky,drjane.bsky.social,no\n"
                           f"{JOHN},myspace,drjohn,no\n"
                           f"{JOHN},x,drjohn,maybe\n")
    with pytest.raises(RosterError) as caught:
        import_accounts(roster, path)
    lines = [str(e) for e in caught.value.errors]
    assert lines == [
        "accounts.csv:3: account: a post, not an account (https://x.com/drjane/status/1)",
        "accounts.csv:4: npi: check digit is wrong (1234567890)",
        "accounts.csv:5: network: unknown network 'myspace'; networks: x, bluesky, mastodon, youtube, linkedin, "
        "facebook, instagram, tiktok, doximity (myspace)",
        "accounts.csv:6: ambassador: must be yes or no (maybe)"]
    assert accounts(roster) == []


def test_an_npi_not_on_the_roster_is_refused(roster, tmp_path):
    other = npi_with_check_digit("111111111")
    path = write(tmp_path, f"npi,network,account\n{other},x,@drjane\n")
    with pytest.raises(RosterError) as caught:
        import_accounts(roster, path)
    assert str(caught.value.errors[0]) == f"accounts.csv:2: npi: is not on the roster (import the roster first) ({other})"


def test_a_stray_quote_refuses_the_file(roster, tmp_path):
    path = write(tmp_path, f'npi,network,account\n{JANE},x,"@drjane\n{JOHN},x,@drjohn\n')
    with pytest.raises(RosterError) as caught:
        import_accounts(roster, path)
    assert "stray double quote" in str(caught.value)
    assert accounts(roster) == []


def test_undoing_an_import_takes_back_what_it_added_and_changed(roster, tmp_path):
    first = import_accounts(roster, write(tmp_path, f"npi,network,account,ambassador\n{JANE},x,@drjane,no\n"))
    second = import_accounts(roster, write(tmp_path, f"npi,network,account,ambassador\n{JANE},x,@drjane,yes\n"
                                                     f"{JOHN},x,@drjohn,no\n", "more.csv"))
    assert (second.added, second.updated) == (1, 1)
    undo_run(roster, second.run_id, rematch=False)
    assert accounts(roster) == [(JANE, "x", "drjane", False, "import")]
    undo_run(roster, first.run_id, rematch=False)
    assert accounts(roster) == []


def test_channels_import_and_undo(engine, tmp_path):
    path = write(tmp_path, "network,account,label,department\n"
                           "x,https://twitter.com/MountSinaiNYC,Mount Sinai,\n"
                           "youtube,https://www.youtube.com/@MountSinaiHealth,Mount Sinai,\n"
                           "bluesky,@mountsinai.bsky.social,Heart,Cardiology\n", "channels.csv")
    result = import_channels(engine, path)
    with Session(engine) as s:
        rows = sorted((c.network, c.account, c.label, c.department) for c in s.execute(select(SocialChannel)).scalars())
    assert rows == [("bluesky", "mountsinai.bsky.social", "Heart", "Cardiology"),
                    ("x", "mountsinainyc", "Mount Sinai", None), ("youtube", "@mountsinaihealth", "Mount Sinai", None)]
    undo_run(engine, result.run_id, rematch=False)
    with Session(engine) as s:
        assert s.execute(select(SocialChannel)).first() is None


def test_the_command_line_says_what_is_wrong_without_a_traceback(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    from reputation.db import get_engine
    add_physician(get_engine(db), JANE, "Jane", "Doe")
    bad = write(tmp_path, f"npi,network,account\n{JANE},x,t.co/abc\n")
    result = CliRunner().invoke(app, ["--db", db, "social", "import", str(bad)])
    assert result.exit_code == 1
    assert "accounts.csv:2: account: a short link (t.co)" in result.output
    assert "Traceback" not in result.output
    good = write(tmp_path, f"npi,network,account\n{JANE},x,@drjane\n", "good.csv")
    result = CliRunner().invoke(app, ["--db", db, "social", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 accounts added" in result.output
    channels = write(tmp_path, "network,account,label,department\nx,@mountsinainyc,Mount Sinai,\n", "channels.csv")
    result = CliRunner().invoke(app, ["--db", db, "social", "channels", "import", str(channels)])
    assert result.exit_code == 0, result.output
    assert "1 channels added" in result.output
