"""out/ is always the set of one build (maps.files.AtomicDir; docs/outputs.md).

Two kinds of test: the mechanism itself, with small synthetic builds run by ``AtomicDir`` in
forked child processes that are killed at chosen phases (the switch slowed down by wrapping
``maps.files._exchange`` / ``os.rename``), where every file holds its build's id so a mix shows;
and real ``kmpost build`` runs (G315 then Khorgos into one folder, two builds at once, a build
killed at a random moment, the error cases), whose outputs are told apart by route.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import maps.files as mf
from geo.errors import OutputError
from maps.files import MANIFEST, AtomicDir
from tests.conftest import ROOT

USER = {"draft-roadbook.yaml": "route: my edits\n", "my notes.txt": "bring water\n"}

# ----------------------------------------------------------------------------------------------
# the mechanism, with synthetic builds


def names_of(build: str) -> list[str]:
    """Build A writes a.0 ... a.5 and common.txt, build B b.0 ... b.3 and common.txt: a mix shows
    in the names as well as in the contents."""
    n = {"A": 6, "B": 4, "C": 3}[build]
    return [f"{build.lower()}.{i}" for i in range(n)] + ["common.txt"]


def synthetic_build(out: Path, build: str, delay: float = 0.0) -> None:
    with AtomicDir(out) as stage:
        for name in names_of(build):
            (stage / name).write_text(f"build {build}\n")
            time.sleep(delay)


def kmpost_entries(out: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in out.iterdir() if p.name not in USER and p.name != MANIFEST}


def assert_one_build(out: Path, allowed: tuple[str, ...]) -> str:
    """out/ holds exactly the files of one of the ``allowed`` builds (plus the user's, intact)."""
    got = kmpost_entries(out)
    for build in allowed:
        if sorted(got) == sorted(names_of(build)):
            assert set(got.values()) == {f"build {build}\n"}, got
            manifest = json.loads((out / MANIFEST).read_text())
            assert sorted(manifest["files"]) == sorted(names_of(build))
            break
    else:
        raise AssertionError(f"out/ is not one build's set: {sorted(got)}")
    for name, text in USER.items():
        assert (out / name).read_text() == text, name
    return build


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith((".kmpost-tmp-", ".kmpost-old-")))


def fresh(tmp_path: Path, build: str = "A") -> Path:
    out = tmp_path / "out"
    synthetic_build(out, build)
    for name, text in USER.items():
        (out / name).write_text(text)
    return out


PHASES = ("write", "link", "switch", "switched", "salvage")


def slowed_child(out: Path, build: str, w: int, fallback: bool) -> None:
    """Run in a forked child: a slowed build whose phases are reported on the pipe ``w``."""
    def say(phase: str) -> None:
        os.write(w, phase.encode() + b"\n")

    def slow(fn: Callable[..., object], before: str, after: str | None = None) -> Callable[..., object]:
        def wrapped(*a: object, **k: object) -> object:
            say(before)
            time.sleep(0.05)
            r = fn(*a, **k)
            if after:
                say(after)
                time.sleep(0.05)
            return r
        return wrapped

    os.link = slow(os.link, "link")  # type: ignore[assignment]
    if fallback:
        def no_exchange(a: Path, b: Path) -> None:
            raise OSError(errno.ENOSYS, "test: no exchange")
        mf._exchange = no_exchange
        os.rename = slow(os.rename, "switch", "switched")  # type: ignore[assignment]
    else:
        mf._exchange = slow(mf._exchange, "switch", "switched")  # type: ignore[assignment]
    salvage = mf._salvage
    mf._salvage = slow(salvage, "salvage")  # type: ignore[assignment]
    say("write")
    synthetic_build(out, build, delay=0.03)


def run_and_kill(out: Path, build: str, phase: str, extra: float, fallback: bool = False) -> bool:
    """Fork a slowed build, SIGKILL it ``extra`` seconds after it reports ``phase``; True if killed."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            slowed_child(out, build, w, fallback)
        finally:
            os._exit(0)
    os.close(w)
    buf = b""
    killed = False
    with os.fdopen(r, "rb", buffering=0) as f:
        while True:
            chunk = f.read(64)
            if not chunk:
                break
            buf += chunk
            if phase.encode() + b"\n" in buf:
                time.sleep(extra)
                os.kill(pid, signal.SIGKILL)
                killed = True
                break
    _, status = os.waitpid(pid, 0)
    return killed and os.WIFSIGNALED(status)


@pytest.mark.parametrize("fallback", [False, True], ids=["exchange", "two-renames"])
def test_killed_at_every_phase_leaves_one_build(tmp_path, fallback):
    rng = random.Random(15)
    kills = 0
    for i, phase in enumerate(PHASES * 2):
        base = tmp_path / f"{i}"
        base.mkdir()
        out = fresh(base, "A")
        kills += run_and_kill(out, "B", phase, rng.uniform(0.0, 0.06), fallback)
        if out.exists():
            assert_one_build(out, ("A", "B"))
        else:  # only the fallback, killed between its two renames: the old build waits beside out/
            assert fallback, f"out/ vanished after a kill in phase {phase}"
            (old,) = [p for p in out.parent.iterdir() if p.name.startswith(".kmpost-old-")]
            assert sorted(kmpost_entries(old)) == sorted(names_of("A"))
        # the next build (even one that fails) recovers: one build, no leftovers, user files intact
        with pytest.raises(RuntimeError), AtomicDir(out):
            raise RuntimeError("this build fails")
        assert_one_build(out, ("A", "B"))
        synthetic_build(out, "C")
        assert_one_build(out, ("C",))
        assert leftovers(out) == []
    assert kills >= 8


def test_two_builds_at_once_do_not_interleave(tmp_path):
    out = fresh(tmp_path, "A")
    pids = []
    for build in ("B", "C"):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                synthetic_build(out, build, delay=0.05)
            except OutputError as exc:
                code = 3 if "another kmpost build" in str(exc) else 4
            finally:
                os._exit(code)
        pids.append(pid)
    codes = sorted(os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in pids)
    assert codes == [0, 3]          # one builds, the other is refused at once
    assert_one_build(out, ("B", "C"))
    assert leftovers(out) == []


def test_lock_message_names_the_folder(tmp_path):
    out = fresh(tmp_path)
    with AtomicDir(out), pytest.raises(OutputError, match=r"out: another kmpost build is writing this folder"):
        AtomicDir(out).__enter__()
    synthetic_build(out, "B")       # the lock is free again
    assert_one_build(out, ("B",))


def test_lock_file_fallback_without_fcntl(tmp_path, monkeypatch):
    monkeypatch.setattr(mf, "fcntl", None)
    out = fresh(tmp_path)
    with AtomicDir(out), pytest.raises(OutputError, match="if no build is running, delete"):
        AtomicDir(out).__enter__()
    synthetic_build(out, "B")
    assert_one_build(out, ("B",))


def test_earlier_files_not_written_again_go(tmp_path):
    out = fresh(tmp_path, "A")
    synthetic_build(out, "B")
    assert_one_build(out, ("B",))   # a.0 ... a.5 are gone, the user's files stay


def test_user_files_are_carried_and_never_lost(tmp_path):
    out = fresh(tmp_path)
    (out / "link-to-notes").symlink_to("my notes.txt")
    os.chmod(out / "my notes.txt", 0o600)
    before = os.stat(out / "draft-roadbook.yaml").st_ino
    synthetic_build(out, "B")
    assert os.readlink(out / "link-to-notes") == "my notes.txt"
    assert stat.S_IMODE(os.stat(out / "my notes.txt").st_mode) == 0o600
    assert os.stat(out / "draft-roadbook.yaml").st_ino == before  # a hard link: the very same file
    (out / "link-to-notes").unlink()
    assert_one_build(out, ("B",))


def test_user_file_written_during_the_switch_is_kept(tmp_path, monkeypatch):
    out = fresh(tmp_path)
    exchange = mf._exchange

    def late_writer(a: Path, b: Path) -> None:
        (out / "late.txt").write_text("written while kmpost switched\n")   # lands in the old folder
        (out / "my notes.txt").unlink()                                      # an editor's save-by-rename
        (out / "my notes.txt").write_text("bring more water\n")
        exchange(a, b)

    monkeypatch.setattr(mf, "_exchange", late_writer)
    synthetic_build(out, "B")
    assert (out / "late.txt").read_text() == "written while kmpost switched\n"
    recovered = [p for p in out.iterdir() if p.name.startswith("my notes.txt.recovered-")]
    versions = {(out / "my notes.txt").read_text(), *(p.read_text() for p in recovered)}
    assert versions == {"bring water\n", "bring more water\n"}   # both versions kept
    assert leftovers(out) == []


def test_legacy_folder_without_manifest(tmp_path):
    """A folder an older kmpost built (no manifest, stage folders left inside it)."""
    out = tmp_path / "out"
    out.mkdir()
    for name in ("kmpost.html", "profile.png", "checkpoints.geojson", "stage-01-a-b.gpx", "notes.txt"):
        (out / name).write_text("old\n")
    (out / ".kmpost-tmp-abc123").mkdir()
    (out / ".kmpost-tmp-abc123" / "kmpost.gpx").write_text("half\n")
    synthetic_build(out, "B")
    assert sorted(p.name for p in out.iterdir()) == sorted([*names_of("B"), MANIFEST, "notes.txt"])
    assert (out / "notes.txt").read_text() == "old\n"


def snapshot(d: Path) -> dict[str, object]:
    return {str(p.relative_to(d)): (p.read_bytes() if p.is_file() else "dir")
            for p in sorted(d.rglob("*"))}


def test_user_folder_refused_before_building(tmp_path):
    out = fresh(tmp_path)
    (out / "photos").mkdir()
    (out / "photos" / "a.jpg").write_bytes(b"\xff\xd8")
    before = snapshot(out)
    with pytest.raises(OutputError, match=r"photos: a folder kmpost did not write.*--out"):
        synthetic_build(out, "B")
    assert snapshot(out) == before and leftovers(out) == []


def test_user_file_with_an_output_name_refused(tmp_path):
    out = fresh(tmp_path, "B")
    (out / "a.0").write_text("mine\n")          # build B did not write a.0; build A would
    before = snapshot(out)
    with pytest.raises(OutputError, match=r"a\.0: a file kmpost did not write has the name of an output"):
        synthetic_build(out, "A")
    assert snapshot(out) == before and leftovers(out) == []


def test_out_is_a_file(tmp_path):
    out = tmp_path / "out"
    out.write_text("not a folder")
    with pytest.raises(OutputError, match=r"out: is a file, not a folder"):
        synthetic_build(out, "A")
    assert out.read_text() == "not a folder"


def test_out_is_the_current_folder(tmp_path, monkeypatch):
    out = fresh(tmp_path)
    monkeypatch.chdir(out)
    with pytest.raises(OutputError, match="cannot be the current folder"):
        synthetic_build(Path("."), "B")
    assert_one_build(out, ("A",))


def test_out_as_symlink_replaces_the_folder_it_points_to(tmp_path):
    real = fresh(tmp_path)
    link = tmp_path / "link"
    link.symlink_to(real)
    synthetic_build(link, "B")
    assert link.is_symlink() and os.path.realpath(link) == str(real)
    assert_one_build(real, ("B",))


def test_failed_build_leaves_out_unchanged(tmp_path):
    out = fresh(tmp_path)
    before = snapshot(out)
    with pytest.raises(RuntimeError), AtomicDir(out) as stage:
        (stage / "a.0").write_text("half")
        raise RuntimeError("a writer failed")
    assert snapshot(out) == before and leftovers(out) == []


def test_failed_switch_restores_out(tmp_path, monkeypatch):
    out = fresh(tmp_path)
    before = snapshot(out)
    monkeypatch.setattr(mf, "_exchange", lambda a, b: (_ for _ in ()).throw(OSError(errno.ENOSYS, "test")))
    real_rename = os.rename

    def second_rename_fails(a: str | Path, b: str | Path) -> None:
        if Path(str(b)) == out and Path(str(a)).name.startswith(".kmpost-tmp-"):
            raise OSError(errno.EIO, "test: disk gone")
        real_rename(a, b)

    monkeypatch.setattr(os, "rename", second_rename_fails)
    with pytest.raises(OutputError, match=r"switching the new build into place failed.*was not changed"):
        synthetic_build(out, "B")
    monkeypatch.setattr(os, "rename", real_rename)
    assert snapshot(out) == before and leftovers(out) == []


# ----------------------------------------------------------------------------------------------
# real builds through the command line

ROUTE_NAMES = {"g315": "G315 Huatugou", "khorgos": "Khorgos border crossing"}
TEXT_SUFFIXES = (".html", ".gpx", ".tcx", ".md", ".geojson")


def cli(args: list[str], cwd: Path, **kw: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "MPLCONFIGDIR": str(cwd / ".mpl")},
                            **kw)  # type: ignore[call-overload]


def build_ok(route: str, out: Path, cwd: Path) -> None:
    p = cli(["build", route, "--out", str(out)], cwd)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 0, err


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, list[str]]:
    """The file names of each embedded route, built alone into an empty folder."""
    base = tmp_path_factory.mktemp("ref")
    names = {}
    for route in ROUTE_NAMES:
        build_ok(route, base / route, base)
        names[route] = sorted(p.name for p in (base / route).iterdir())
    assert names["g315"] != names["khorgos"]
    return names


def which_route(out: Path, reference: dict[str, list[str]]) -> str:
    """The route whose build out/ is, checked file by file; fails on any mix."""
    got = sorted(p.name for p in out.iterdir() if p.name not in USER)
    (route,) = [r for r, names in reference.items() if names == got] or [f"none: {got}"]
    assert route in ROUTE_NAMES, route
    other = next(r for r in ROUTE_NAMES if r != route)
    for p in out.iterdir():
        if p.suffix in TEXT_SUFFIXES and p.name not in USER and p.name != "transport.geojson":
            text = p.read_text(encoding="utf-8")
            assert ROUTE_NAMES[other] not in text, f"{p.name} is from {other}"
        if p.suffix in (".html", ".gpx", ".md"):
            assert ROUTE_NAMES[route] in p.read_text(encoding="utf-8"), p.name
    return route


def test_khorgos_into_a_g315_folder(tmp_path, reference):
    out = tmp_path / "out"
    build_ok("g315", out, tmp_path)
    (out / "draft-roadbook.yaml").write_text(USER["draft-roadbook.yaml"])
    build_ok("khorgos", out, tmp_path)
    assert which_route(out, reference) == "khorgos"
    stale = set(reference["g315"]) - set(reference["khorgos"])
    assert stale and not stale & {p.name for p in out.iterdir()}   # e.g. G315's profile.png is gone
    assert (out / "draft-roadbook.yaml").read_text() == USER["draft-roadbook.yaml"]
    assert leftovers(out) == []


def test_two_real_builds_started_together(tmp_path, reference):
    out = tmp_path / "out"
    build_ok("g315", out, tmp_path)
    procs = [cli(["build", r, "--out", str(out)], tmp_path) for r in ("khorgos", "g315")]
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    for code, err in results:
        assert code == 0 or (code == 2 and "another kmpost build is writing this folder" in err), err
    which_route(out, reference)
    assert leftovers(out) == []


@pytest.mark.parametrize("seed", [1, *(pytest.param(s, marks=pytest.mark.slow) for s in (2, 3, 4))])
def test_real_build_killed_at_a_random_moment(tmp_path, reference, seed):
    out = tmp_path / "out"
    build_ok("g315", out, tmp_path)
    p = cli(["build", "khorgos", "--out", str(out)], tmp_path)
    time.sleep(random.Random(seed).uniform(0.5, 4.0))
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    which_route(out, reference)
    build_ok("khorgos", out, tmp_path)           # the next build cleans what the kill left
    assert which_route(out, reference) == "khorgos" and leftovers(out) == []


def test_kmpost_html_is_a_folder(tmp_path, reference):
    out = tmp_path / "out"
    build_ok("g315", out, tmp_path)
    (out / "kmpost.html").unlink()
    (out / "kmpost.html").mkdir()
    before = snapshot(out)
    p = cli(["build", "khorgos", "--out", str(out)], tmp_path)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 2 and err.count("\n") == 1 and "kmpost.html: a folder kmpost did not write" in err
    assert snapshot(out) == before and leftovers(out) == []


def read_only(d: Path, on: bool) -> None:
    """Make folder ``d`` read-only: chmod, or for root (whom modes do not stop) the immutable flag."""
    if os.geteuid() != 0:
        os.chmod(d, 0o555 if on else 0o755)
        return
    res = subprocess.run(["chattr", "+i" if on else "-i", str(d)], capture_output=True, text=True)
    if res.returncode and on:
        pytest.skip(f"running as root and chattr +i is not possible here: {res.stderr.strip()}")


def test_read_only_parent(tmp_path, reference):
    """The parent of out/ not writable (out/ itself is): one line, exit 2, out/ unchanged."""
    base = tmp_path / "base"
    out = base / "out"
    build_ok("g315", out, tmp_path)
    before = snapshot(out)
    read_only(base, True)
    try:
        p = cli(["build", "khorgos", "--out", str(out)], tmp_path)
        _, err = p.communicate(timeout=300)
    finally:
        read_only(base, False)
    assert p.returncode == 2 and err.count("\n") == 1, err
    assert "must be writable: choose another folder with --out" in err, err
    assert snapshot(out) == before and leftovers(out) == []
