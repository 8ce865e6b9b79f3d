"""Open the rendered reports in headless Chromium.

Checks what only a browser can: the page paints (the screenshot is not blank), the
inline script runs under the page's Content-Security-Policy, no console message is
logged (a CSP violation or a script error would be), and the page makes no network
request. Requests are read from Chromium's NetLog (--log-net-log), which records
every request the network stack starts; the page's own requests are the ones
keyed to the file:// site, which sets them apart from the browser's background
traffic (update checks and the like).
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

import report_sample
from reports.render import write_reports

CHROMIUM = Path("/usr/bin/chromium")
WINDOW = (1366, 900)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)"),
]


def _run(args: list[str], timeout: float) -> tuple[int, str, str]:
    """Run Chromium in its own process group, so a hung run can be stopped with all its children."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return process.returncode, stdout, stderr


class BrowserRun:
    """One headless Chromium run: its output, console messages and page-initiated requests."""

    def __init__(self, url: str, work: Path, *extra: str):
        self.netlog = work / "netlog.json"
        for attempt in range(2):  # headless Chromium very occasionally hangs: retry once, with a fresh profile
            args = [
                str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", f"--user-data-dir={work / f'profile-{attempt}'}",
                f"--window-size={WINDOW[0]},{WINDOW[1]}",
                "--enable-logging=stderr", "--v=0", f"--log-net-log={self.netlog}", *extra, url,
            ]
            try:
                returncode, self.stdout, self.stderr = _run(args, timeout=60)
                break
            except subprocess.TimeoutExpired:
                if attempt:
                    raise
        assert returncode == 0, self.stderr[-2000:]

    def console_messages(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if ":CONSOLE" in line]

    def page_requests(self) -> list[str]:
        """URLs the page itself asked the network for (file:// page loads are not network requests)."""
        log = json.loads(self.netlog.read_text(encoding="utf-8"))
        start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        urls = []
        for event in log["events"]:
            params = event.get("params", {})
            if event["type"] != start_job or "url" not in params:
                continue
            from_page = "file://" in params.get("network_isolation_key", "") or "file://" in params.get("site_for_cookies", "")
            if from_page and not params["url"].startswith("file:"):
                urls.append(params["url"])
        return urls


def read_png(path: Path) -> tuple[int, int, list[bytes], int]:
    """(width, height, rows of raw pixel bytes, bytes per pixel) of an 8-bit RGB/RGBA PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour_type in (2, 6), (depth, colour_type)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    bpp = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, previous, offset = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1 : offset + 1 + stride])
        offset += 1 + stride
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up, up_left = previous[x], (previous[x - bpp] if x >= bpp else 0)
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + ((left + up) >> 1)) & 255
            elif kind == 4:
                guess = left + up - up_left
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - up_left)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows, bpp


def assert_not_blank(path: Path) -> None:
    width, height, rows, bpp = read_png(path)
    assert (width, height) == WINDOW
    # Every 3rd pixel of every 3rd row is plenty to tell a page from a blank canvas.
    pixels = Counter(row[x : x + 3] for row in rows[::3] for x in range(0, len(row), 3 * bpp))
    background, count = pixels.most_common(1)[0]
    share_not_background = 1 - count / sum(pixels.values())
    assert len(pixels) > 50, f"only {len(pixels)} colours: blank page?"
    assert share_not_background > 0.05, f"{share_not_background:.1%} of pixels differ from the background"


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    overview, physicians = report_sample.build_sample(30)
    write_reports(out, overview, physicians)
    return out


@pytest.fixture(scope="module")
def overview_data():
    return report_sample.build_sample(30)[0]


def physician_page(report_dir: Path) -> Path:
    return sorted((report_dir / "physicians").glob("*.html"))[0]


@pytest.mark.parametrize("which", ["overview", "physician"])
def test_report_paints_without_console_messages_or_requests(report_dir, tmp_path, which):
    page = report_dir / "index.html" if which == "overview" else physician_page(report_dir)
    screenshot = tmp_path / f"{which}.png"
    # Finish painting before the capture; without it a capture can catch a half-painted page.
    run = BrowserRun(page.as_uri(), tmp_path, f"--screenshot={screenshot}", "--run-all-compositor-stages-before-draw")
    assert screenshot.is_file()
    assert_not_blank(screenshot)
    assert run.console_messages() == []
    assert run.page_requests() == []


def test_netlog_check_would_see_a_page_request(tmp_path):
    """Guard for the check above: a page that does load a remote image shows up in page_requests()."""
    page = tmp_path / "leaky.html"
    page.write_text('<!doctype html><img src="http://192.0.2.1/pixel.png">', encoding="utf-8")
    run = BrowserRun(page.as_uri(), tmp_path, "--dump-dom", "--host-resolver-rules=MAP * ~NOTFOUND")
    assert run.page_requests() == ["http://192.0.2.1/pixel.png"]


def test_department_filter_script_runs_under_the_content_security_policy(report_dir, tmp_path):
    run = BrowserRun((report_dir / "index.html").as_uri(), tmp_path, "--dump-dom")
    dom = BeautifulSoup(run.stdout, "html.parser")
    assert not dom.select_one("#dept-filter").has_attr("hidden"), "the script did not run"
    assert dom.select_one("[data-filter-status]").get_text() == "Showing all departments."
    assert run.console_messages() == []


def test_department_in_the_address_hides_other_departments(report_dir, overview_data, tmp_path):
    department = "Obstetrics & Gynecology"
    url = (report_dir / "index.html").as_uri() + "#department=" + quote(department)
    run = BrowserRun(url, tmp_path, "--dump-dom")
    dom = BeautifulSoup(run.stdout, "html.parser")
    rows = dom.select("#coverage tbody tr[data-department]")
    shown = [row for row in rows if not row.has_attr("hidden")]
    assert shown and len(shown) == sum(1 for r in overview_data.coverage if r.department == department)
    assert all(row["data-department"] == department for row in shown)
    assert all(card["data-department"] == department for card in dom.select("#reviews article.review:not([hidden])"))


def test_hostile_review_stays_text_in_the_live_page(report_dir, tmp_path):
    run = BrowserRun((report_dir / "index.html").as_uri(), tmp_path, "--dump-dom")
    dom = BeautifulSoup(run.stdout, "html.parser")
    assert dom.find("img") is None
    assert len(dom.find_all("script")) == 1
    assert report_sample.HOSTILE_REVIEW_TEXT in dom.select_one("#reviews").get_text()
