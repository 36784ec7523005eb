"""The published sample show in a real browser: Debian's Chromium, headless, driven by Playwright.

The site is published with its public URL on the port `podcaster serve` listens on, so every
absolute URL in the pages reaches the test server.
"""

from __future__ import annotations

import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, sync_playwright

from conftest import ShowCopy, copy_sample_show
from podcaster.serve import make_server
from test_site import write_hostile_episode

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    # The test plays the audio without a click first; a listener's browser asks for one.
    "--autoplay-policy=no-user-gesture-required",
]
HOSTILE = "hostile-notes"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sample show plus one episode of script-injection attempts, published and served; its base URL."""
    show = copy_sample_show(tmp_path_factory.mktemp("browser") / "show")
    hostile = show.root / "episodes" / HOSTILE
    shutil.copytree(show.root / "episodes" / "will-allah-forgive-me", hostile)
    write_hostile_episode(hostile / "episode.md")
    ShowCopy(show.root).edit(f"episodes/{HOSTILE}/episode.md", 'guid: "2af0755c-49ce-476c-8824-67cff60cb569"',
                             f'guid: "{uuid.uuid4()}"')
    show.published.mkdir()
    server = make_server(show.published, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    show.edit("podcast.toml", 'public_url = "http://127.0.0.1:8000/"', f'public_url = "{base}"')
    result = show.run("publish")
    assert result.exit_code == 0, result.output
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1000, "height": 900},
        )
        yield context
        context.close()


@pytest.fixture
def console_errors() -> list[str]:
    return []


@pytest.fixture
def page(browser: BrowserContext, console_errors: list[str]) -> Iterator[Page]:
    """A fresh tab whose console errors and uncaught exceptions land in `console_errors`."""
    page = browser.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(f"{message.text} at {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    yield page
    page.close()


def _position(page: Page) -> float:
    return page.evaluate("document.getElementById('player').currentTime")


def _wait_for_position(page: Page, low: float, high: float) -> None:
    page.wait_for_function(
        f"() => {{ const t = document.getElementById('player').currentTime; return t >= {low} && t < {high}; }}",
        timeout=10_000,
    )


def test_episode_page_plays_and_chapters_seek_the_player(served: str, page: Page, console_errors: list[str],
                                                          tmp_path: Path):
    url = served + "episodes/just-forgiving/"
    page.goto(url, wait_until="load")
    page.evaluate("() => { const player = document.getElementById('player'); player.muted = true; return player.play(); }")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.3", timeout=10_000)

    page.click("section.chapters a[data-start='22']")
    _wait_for_position(page, 22, 25)
    assert page.url == url  # the page's own player seeks; the browser did not open the audio file
    assert page.get_attribute("section.chapters a[data-start='22']", "aria-current") == "time"
    assert not page.evaluate("document.getElementById('player').paused")

    # By keyboard: a chapter link takes focus with Tab like any link, and Enter follows it.
    page.focus("section.chapters a[data-start='25']")
    page.keyboard.press("Enter")
    _wait_for_position(page, 25, 29)
    assert page.evaluate("document.activeElement.dataset.start") == "25"

    page.screenshot(path=str(tmp_path / "episode.png"), full_page=True)
    assert (tmp_path / "episode.png").stat().st_size > 10_000
    assert console_errors == []


def test_timestamps_in_the_notes_and_the_transcript_seek_the_player(served: str, page: Page,
                                                                     console_errors: list[str]):
    page.goto(served + "episodes/will-allah-forgive-me/", wait_until="load")
    page.evaluate("document.getElementById('player').muted = true")
    page.click("div.notes a[data-start='14']")
    _wait_for_position(page, 14, 17.2)

    page.goto(served + "episodes/just-forgiving/", wait_until="load")
    page.evaluate("document.getElementById('player').muted = true")
    page.click("section.transcript a[data-start='7.7']")
    _wait_for_position(page, 7.7, 10)
    assert console_errors == []


def test_a_time_in_the_address_starts_the_player_there(served: str, page: Page, console_errors: list[str]):
    page.goto(served + "episodes/just-forgiving/#t=25", wait_until="load")
    page.wait_for_function("() => document.getElementById('player').readyState >= 1", timeout=10_000)
    assert 25 <= _position(page) < 26
    assert console_errors == []


def test_hostile_show_notes_execute_nothing(served: str, page: Page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(served + f"episodes/{HOSTILE}/", wait_until="load")
    # The javascript: and data: links are only their text now, which a click cannot follow.
    assert page.query_selector_all("div.notes a:not([href])") == []
    for defused in ("a javascript link", "an encoded javascript link", "a data link"):
        page.click(f"div.notes >> text={defused}")
    page.wait_for_load_state("networkidle")
    assert dialogs == []
    assert page.url == served + f"episodes/{HOSTILE}/"
    assert page.evaluate("document.querySelectorAll('.notes script, .notes svg, .notes iframe, .notes object').length") == 0
    assert re.search(r"Hostile \"><img", page.inner_text("h1"))
    # The listener does hear dialogs: a script of our own opens one.
    with page.expect_event("dialog", timeout=10_000):
        page.evaluate("() => setTimeout(() => alert('control'), 0)")
    assert dialogs == ["control"]
