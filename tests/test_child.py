"""Work shared with a child process: the same results as doing it all here, in the same order, the
same errors, and no process left behind; and a show loaded that way is the show loaded here."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ShowCopy, copy_sample_show, site_files
from podcaster import episodes
from podcaster.child import ChildProcess, map_from_both_ends


def squared_and_where(number: int) -> tuple[int, int]:
    if number == 13:
        raise ValueError("thirteen is refused")
    return number * number, os.getpid()


def test_both_ends_give_the_results_in_order_and_both_did_some():
    child = ChildProcess()
    try:
        results = map_from_both_ends(squared_and_where, list(range(14, 400)), child, batch_size=8)
    finally:
        child.stop()
    assert [square for square, _ in results] == [n * n for n in range(14, 400)]
    where = {pid for _, pid in results}
    assert os.getpid() in where and len(where) == 2
    assert results[-1][1] != os.getpid()  # the child starts from the end


@pytest.mark.parametrize("items", [list(range(14, 400)) + [13], [13] + list(range(14, 400))],
                         ids=["in the child's first batch", "here"])
def test_an_error_on_either_side_is_raised_here_and_the_child_ends(items):
    child = ChildProcess()
    with pytest.raises(ValueError, match="thirteen is refused"):
        map_from_both_ends(squared_and_where, items, child, batch_size=8)
    assert not child.running


def test_an_unexpected_error_in_the_child_says_where_it_happened():
    child = ChildProcess()
    with pytest.raises(ValueError) as raised:
        map_from_both_ends(squared_and_where, list(range(14, 40)) + [13], child, batch_size=64)
    assert any("in podcaster's child process" in note and "squared_and_where" in note
               for note in raised.value.__notes__)


def _broken(show: ShowCopy) -> ShowCopy:
    """The sample with two episodes that cannot load and a draft with a problem."""
    show.edit("episodes/just-forgiving/episode.md", 'title: "Just Forgiving"', "title: 12")
    show.edit("episodes/will-allah-forgive-me/episode.md", "explicit: false", "explicit: maybe")
    show.edit("episodes/day-12-in-a-nutshell-forgive/episode.md", "---\n", "---\ndraft: true\nnumber: -1\n")
    return show


def test_a_show_loaded_with_a_child_is_the_show_loaded_here(show: ShowCopy, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch):
    here = copy_sample_show(tmp_path / "here")
    assert here.run("build").exit_code == 0
    checked_here = _broken(copy_sample_show(tmp_path / "broken-here")).run("check")
    monkeypatch.setattr(episodes, "_LOADED_BY_TWO_MINIMUM", 1)
    monkeypatch.setattr(episodes, "_CHILD_BATCH", 2)
    started = []
    monkeypatch.setattr(episodes, "ChildProcess", lambda: started.append(ChildProcess()) or started[-1])
    assert show.run("build").exit_code == 0
    assert started and not started[0].running
    assert site_files(show.output) == site_files(here.output)
    checked = _broken(copy_sample_show(tmp_path / "broken")).run("check")
    assert checked.exit_code == checked_here.exit_code == 1
    assert checked.output.replace("/broken/", "/") == checked_here.output.replace("/broken-here/", "/")
    assert checked.output.count("Error:") == 2 and "draft" in checked.output


def test_a_child_that_cannot_import_podcaster_is_no_child_and_the_work_is_done_here(
        show: ShowCopy, monkeypatch: pytest.MonkeyPatch):
    """As with an import hook of this process's that a new interpreter does not have."""
    monkeypatch.setattr(sys, "path", [p for p in sys.path if not (Path(p or ".") / "podcaster").is_dir()])
    with pytest.raises(OSError, match=r"the child process ended as it started \(exit status 1\)"):
        ChildProcess()
    monkeypatch.setattr(episodes, "_LOADED_BY_TWO_MINIMUM", 1)
    result = show.run("check")
    assert result.exit_code == 0, result.output
    assert "Warning: episodes are loaded in this process only (the child process failed to start: " \
           "the child process ended as it started (exit status 1))" in result.output


def marked_slowly(path: str) -> str:
    time.sleep(0.1)
    Path(path).touch()
    return path


def test_a_child_whose_parent_was_killed_makes_nothing_more(tmp_path: Path):
    """A killed build's lock is gone at once: its child must not write on into a folder that a new
    build may be writing."""
    parent = subprocess.Popen([sys.executable, "-c", (
        "import sys, test_child; from podcaster.child import ChildProcess; "
        f"ChildProcess().call(test_child.marked_slowly, [f'{tmp_path}/{{n}}' for n in range(100)])")],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        while len(list(tmp_path.iterdir())) < 3:
            time.sleep(0.02)
            assert parent.poll() is None
    finally:
        parent.kill()
        parent.wait()
    made = len(list(tmp_path.iterdir()))
    time.sleep(1)
    assert len(list(tmp_path.iterdir())) <= made + 1  # the item in hand, and no more
