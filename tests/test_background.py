"""maps.files.Background: part of a build written by a forked process, its errors raised in the parent.

Real forks throughout (Linux); the build itself is compared with one process and with two.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from geo.errors import OutputError, RouteError
from maps.files import AtomicDir, Background, CpuProbe, TaskPool, parallel_jobs, second_process

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the forked writer runs on Linux")


def _gone(pid: int, within: float = 5.0) -> bool:
    """True when process ``pid`` no longer exists (or is a zombie) within ``within`` seconds."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


@linux
def test_files_written_by_another_process(tmp_path: Path) -> None:
    def fn() -> None:
        (tmp_path / "pid.txt").write_text(str(os.getpid()))

    job = Background(fn, parallel=True)
    assert job.pid is not None and job.pid != os.getpid()
    job.result()
    assert int((tmp_path / "pid.txt").read_text()) not in (os.getpid(), 0)


def test_serial_runs_at_result(tmp_path: Path) -> None:
    def fn() -> None:
        (tmp_path / "pid.txt").write_text(str(os.getpid()))

    job = Background(fn, parallel=False)
    assert not (tmp_path / "pid.txt").exists()
    job.result()
    assert int((tmp_path / "pid.txt").read_text()) == os.getpid()


@linux
@pytest.mark.parametrize("parallel", [True, False])
def test_kmpost_error_comes_back_as_it_was(parallel: bool) -> None:
    def fn() -> None:
        raise RouteError("rb.yaml:12: events[3].km: 999 is beyond the route; give a km of 0-250",
                         problems=["rb.yaml:12: events[3].km: 999 is beyond the route; give a km of 0-250",
                                   "rb.yaml:20: events[5].km: -4 is before the start"])

    job = Background(fn, parallel=parallel)
    with pytest.raises(RouteError) as info:
        job.result()
    assert str(info.value) == "rb.yaml:12: events[3].km: 999 is beyond the route; give a km of 0-250"
    assert len(info.value.problems) == 2 and "events[5]" in info.value.problems[1]


@linux
def test_a_bug_in_the_writer_keeps_its_traceback() -> None:
    def fn() -> None:
        {}["no such key"]  # the bug

    with pytest.raises(KeyError) as info:
        Background(fn, parallel=True).result()
    notes = "".join(getattr(info.value, "__notes__", []))
    assert "in the writer process" in notes and "no such key" in notes


@linux
def test_writer_killed_is_an_output_error() -> None:
    def fn() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(OutputError, match=r"writing the map files: the writer process was killed by signal 9"):
        Background(fn, parallel=True).result()


@linux
def test_cancel_stops_the_writer() -> None:
    job = Background(lambda: time.sleep(60), parallel=True)
    pid = job.pid
    assert pid is not None
    t = time.monotonic()
    job.cancel()
    assert time.monotonic() - t < 5 and _gone(pid)
    job.result()  # nothing left to wait for


@linux
def test_interrupted_wait_kills_the_writer() -> None:
    """Ctrl-C while the build waits for its writer: the writer is killed, not waited for."""
    job = Background(lambda: time.sleep(60), parallel=True)
    pid = job.pid
    assert pid is not None

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        t = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            job.result()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert time.monotonic() - t < 5 and _gone(pid)


@linux
def test_writer_dies_with_its_build(tmp_path: Path) -> None:
    """A build killed (SIGKILL) while its writer runs leaves no writer behind (PR_SET_PDEATHSIG)."""
    r, w = os.pipe()
    build = os.fork()
    if build == 0:
        try:
            os.close(r)
            job = Background(lambda: time.sleep(60), parallel=True)
            os.write(w, f"{job.pid}\n".encode())
            time.sleep(60)
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        writer = int(f.readline())
    os.kill(build, signal.SIGKILL)
    os.waitpid(build, 0)
    assert _gone(writer)


@linux
def test_lock_is_held_by_the_build_alone(tmp_path: Path) -> None:
    """The writer closes its copy of the lock: once the build's process lets go, the folder is free."""
    out = tmp_path / "out"
    d = AtomicDir(out)
    with d as stage:
        job = Background(lambda: (stage / "x.txt").write_text("x"), parallel=True, close_fds=d.lock_fds())
        assert d.lock_fds()
        with pytest.raises(OutputError, match="another kmpost build is writing this folder"), AtomicDir(out):
            pass
        job.result()
    assert (out / "x.txt").read_text() == "x"
    with AtomicDir(out) as stage:
        (stage / "y.txt").write_text("y")


@linux
def test_shared_tasks_run_once_each_by_either_process(tmp_path: Path) -> None:
    def task(i: int) -> object:
        def run() -> None:
            time.sleep(0.02)
            with open(tmp_path / f"t{i}", "x") as f:  # "x": a second run would fail
                f.write(str(os.getpid()))
        return run

    pool = TaskPool([task(i) for i in range(40)])
    job = Background(pool.run, parallel=True)
    writer = job.pid
    pool.run()
    job.result()
    pool.close()
    assert len(list(tmp_path.iterdir())) == 40  # every task ran, none twice (open "x" would fail)
    pids = {(tmp_path / f"t{i}").read_text() for i in range(40)}
    assert pids <= {str(os.getpid()), str(writer)} and len(pids) == 2  # 0.8 s of work: both took some


def test_parallel_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parallel_jobs(1) == 1 and parallel_jobs(0) == 1 and parallel_jobs(3) == 3
    monkeypatch.setenv("KMPOST_JOBS", "1")
    assert parallel_jobs(None) == 1 and parallel_jobs(2) == 2
    monkeypatch.delenv("KMPOST_JOBS")
    auto = parallel_jobs(None)
    monkeypatch.setenv("KMPOST_JOBS", "many")  # not a number: as if unset
    assert parallel_jobs(None) == auto
    assert auto in (1, 2)
    if not sys.platform.startswith("linux"):
        assert auto == 1


@linux
def test_cpu_probe_and_the_choice_of_a_second_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KMPOST_JOBS", raising=False)
    probe = CpuProbe()
    end = time.monotonic() + 0.3
    while time.monotonic() < end:  # this CPU busy: at most the others are idle
        pass
    idle = probe.idle_cpus()
    assert idle is not None and 0.0 <= idle <= (os.cpu_count() or 1) - 0.5
    assert second_process(1, probe) is False and second_process(2, probe) is True
    assert second_process(None, None) is (parallel_jobs(None) >= 2)
    monkeypatch.setenv("KMPOST_JOBS", "2")  # asked: whatever the probe saw
    assert second_process(None, probe) is True


def test_cpu_probe_counts_this_processes_own_second_thread_as_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    """A helper thread of the build (busy beside the main one) takes a CPU the second writer
    process could have had: the probe counts it as idle, not as someone else's load. The
    system's and the process's CPU counters are given (a machine of 2 CPUs, 1 s)."""
    import maps.files as mf

    monkeypatch.setattr(mf.os, "cpu_count", lambda: 2)
    system = iter([(1000, 500), (1200, 500)])  # (all, idle) ticks: both CPUs busy for the second
    own = iter([10.0, 12.0])                   # this process: 2 CPU seconds in that second
    monkeypatch.setattr(mf, "_cpu_times", lambda: next(system))
    monkeypatch.setattr(mf, "_own_cpu_s", lambda: next(own))
    probe = CpuProbe()
    probe.wall -= 1.0  # made a second ago
    idle = probe.idle_cpus()
    assert idle is not None and 0.95 <= idle <= 1.0  # the second CPU was ours: free for the writer
    system = iter([(1000, 500), (1200, 500)])
    own = iter([10.0, 11.0])                   # one CPU ours, the other someone else's
    probe = CpuProbe()
    probe.wall -= 1.0
    idle = probe.idle_cpus()
    assert idle is not None and idle <= 0.05


@linux
def test_build_with_two_processes_writes_what_one_writes(tmp_path: Path) -> None:
    from pipeline import BuildOptions, build
    from roadbook import load_embedded

    rb = load_embedded("g315")
    one = build(rb, None, BuildOptions(out_dir=tmp_path / "one", jobs=1))
    two = build(rb, None, BuildOptions(out_dir=tmp_path / "two", jobs=2))
    assert [p.name for p in one.files] == [p.name for p in two.files]
    assert one.notes == two.notes and one.warnings == two.warnings
    # files without a build time or a random page token are the same bytes
    for p in one.files:
        if p.suffix in (".geojson", ".md"):
            assert p.read_bytes() == (tmp_path / "two" / p.name).read_bytes(), p.name
