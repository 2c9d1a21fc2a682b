"""Output files of kmpost, written atomically; the out folder switched as a whole.

:class:`AtomicDir` is how ``kmpost build`` writes its output folder (``out/``): the whole build is
written into a staging folder beside it, then switched into place in one step, so a reader of
``out/`` sees one build's complete set of files, before or after, never a mix. See
``docs/outputs.md`` for the guarantee and its limits; in short:

* **switch**: on Linux the staging folder and ``out/`` trade places in one ``renameat2(...,
  RENAME_EXCHANGE)`` call (atomic in the kernel; ext4, xfs, btrfs, tmpfs, ...). Where that is not
  available (another OS or a file system without it), two renames are used (``out`` ->
  ``.kmpost-old-...``, stage -> ``out``); a build killed between them leaves no ``out/`` until the
  next build, which first renames the old folder back (the recovery rule).
* **lock**: a second build into the same folder while one runs fails at once with a message
  (``fcntl.flock`` on ``.kmpost-lock.<name>...`` beside the folder).
* **ownership**: kmpost owns the entries its manifest (``out/.kmpost-manifest.json``) lists; a
  folder with no manifest (made by kmpost before manifests) is taken to own the file names kmpost
  writes (:data:`LEGACY_OUTPUTS`). Everything else in ``out/`` is the user's: files (and symlinks)
  are carried into the new build as hard links (a copy where links are impossible); a folder of
  the user's, or a user file with the name of an output, makes the build refuse, with ``out/``
  unchanged. Files of an earlier build that this build does not write disappear with it.
* **leftovers** (``.kmpost-tmp-...`` / ``.kmpost-old-...`` beside ``out/``, and ``.kmpost-tmp-*``
  inside it from older kmpost versions) are cleaned by the next build, under the lock, without
  losing any user file.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import filecmp
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import geopandas as gpd
import pyogrio

from geo.errors import OutputError

try:
    import fcntl
except ImportError:  # Windows: an exclusive lock file instead (see _Lock)
    fcntl = None  # type: ignore[assignment]

#: The manifest kmpost writes into every output folder: which entries are kmpost's.
MANIFEST = ".kmpost-manifest.json"

#: Names kmpost writes, owned in a folder that has no manifest (built by kmpost before manifests).
LEGACY_OUTPUTS = re.compile(r"(kmpost\.(gpkg|html|gpx|fit|tcx)|roadbook\.(md|html)|profile\.png"
                            r"|[a-z_]+\.geojson|stage-\d+-[a-z0-9-]*\.(gpx|fit|tcx)|\.kmpost-tmp-.*)")

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> None:
    """Swap the two folders ``a`` and ``b`` in one atomic step (Linux ``renameat2``).

    Raises OSError(ENOSYS/EINVAL/ENOTSUP) where the system or file system cannot do it."""
    if not sys.platform.startswith("linux"):
        raise OSError(errno.ENOSYS, "no atomic exchange of folders on this system")
    libc = ctypes.CDLL(None, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available in this C library")
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), str(a))


_NO_EXCHANGE = {errno.ENOSYS, errno.EINVAL, getattr(errno, "ENOTSUP", -1), getattr(errno, "EOPNOTSUPP", -1)}


def _fsync_dir(d: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_manifest(d: Path) -> list[str] | None:
    """The entry names the manifest of folder ``d`` lists; None when it has none (or it is unreadable)."""
    try:
        data = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return [f for f in files if isinstance(f, str) and f and "/" not in f and f not in (".", "..")] \
        if isinstance(files, list) else None


def _owned(d: Path, names: list[str]) -> set[str]:
    """Which of ``names`` (entries of folder ``d``) kmpost owns there."""
    listed = _read_manifest(d)
    own = {MANIFEST} | {n for n in names if n.startswith(".kmpost-tmp-")}
    if listed is None:
        return own | {n for n in names if LEGACY_OUTPUTS.fullmatch(n)}
    return own | set(listed)


def _remove(p: Path) -> None:
    if _is_folder(p):
        shutil.rmtree(p, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _same(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` are the same entry (hard links), or regular files of the same bytes."""
    try:
        sa, sb = os.lstat(a), os.lstat(b)
        if (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino):
            return True
        return stat.S_ISREG(sa.st_mode) and stat.S_ISREG(sb.st_mode) and filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def _is_folder(p: Path) -> bool:
    return p.is_dir() and not p.is_symlink()


def _salvage(old: Path, target: Path) -> None:
    """Empty and remove a left-over folder ``old`` (a stage or a replaced build) beside ``target``.

    A folder with no manifest is a stage killed while the build was writing it: it holds only
    kmpost outputs and is removed. Otherwise the entries its manifest lists are removed; every
    other entry is a user file: removed when ``target`` holds the same file (the hard link or copy
    carried over), moved into ``target`` when the name is free there, and moved in as
    ``<name>.recovered-<time>`` otherwise (two versions of a user file: both kept)."""
    if _read_manifest(old) is None:
        shutil.rmtree(old, ignore_errors=True)
        return
    names = os.listdir(old)
    # kmpost writes no folders: a folder with an output's name is the user's
    own = {n for n in _owned(old, names) if n.startswith(".kmpost-tmp-") or not _is_folder(old / n)}
    for n in names:
        p = old / n
        if n in own:
            _remove(p)
        elif (target / n).exists() or (target / n).is_symlink():
            if _same(p, target / n):
                _remove(p)
            else:
                os.rename(p, target / f"{n}.recovered-{time.strftime('%Y%m%d-%H%M%S')}")
        else:
            os.rename(p, target / n)
    with contextlib.suppress(OSError):
        os.rmdir(old)


class _Lock:
    """An exclusive, non-blocking lock on ``path`` (``flock``; an ``O_EXCL`` file where there is none)."""

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def acquire(self, what: Path) -> None:
        busy = OutputError(f"{what}: another kmpost build is writing this folder now (lock {self.path}); "
                           "wait for it to finish, or build into another folder with --out")
        if fcntl is None:
            try:
                self.fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            except FileExistsError:
                raise OutputError(f"{busy} (if no build is running, delete {self.path})") from None
            return
        self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o666)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self.fd)
            self.fd = None
            raise busy from None

    def release(self) -> None:
        if self.fd is None:
            return
        os.close(self.fd)  # closing drops the flock
        self.fd = None
        if fcntl is None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)


class AtomicDir:
    """A staging folder that replaces the folder ``target`` as a whole on successful exit.

    ``with AtomicDir(out) as stage:`` locks ``out`` against other builds, cleans what killed builds
    left, checks ``out`` can be replaced (raising :class:`OutputError` with ``out`` unchanged if
    not) and yields an empty staging folder beside it. Write every output into the stage; on
    success the user's files of ``out`` are carried over, a manifest is written and the stage is
    switched into place (see the module docstring); on an error the stage is removed and ``out``
    is as it was.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with AtomicDir(d) as stage:
    ...     _ = (stage / "a.txt").write_text("x")
    >>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('x', ['.kmpost-manifest.json', 'a.txt'])
    """

    def __init__(self, target: str | Path):
        self.given = Path(target)
        self.target = self.given
        self.stage: Path | None = None
        self.switched = False
        self._lock: _Lock | None = None

    def lock_fds(self) -> list[int]:
        """The descriptors of this folder's lock (a forked writer closes its copies: the lock then
        ends with the build's own process)."""
        return [self._lock.fd] if self._lock is not None and self._lock.fd is not None else []

    # -- names beside the target -------------------------------------------------------------------
    def _tag(self) -> str:
        name = self.target.name
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:40]
        return f"{safe}.{hashlib.sha1(os.fsencode(name)).hexdigest()[:8]}"

    def _leftovers(self) -> list[Path]:
        """Stages and replaced builds of this target left beside it, newest last."""
        pat = re.compile(r"\.kmpost-(tmp|old)-" + re.escape(self._tag()) + r"\.[a-z0-9_]+")
        try:
            found = [p for p in self.target.parent.iterdir() if pat.fullmatch(p.name) and p.is_dir()]
        except OSError:
            return []
        return sorted(found, key=lambda p: p.stat().st_mtime)

    def _fail(self, msg: str) -> OutputError:
        if self._lock:
            self._lock.release()
        return OutputError(msg)

    # -- enter: lock, recover, check, stage ---------------------------------------------------------
    def __enter__(self) -> Path:
        out = self.given
        if out.is_symlink():  # replace the folder it points to, not the link
            out = Path(os.path.realpath(out))
        self.target = out = Path(os.path.abspath(out))
        if out.exists() and not out.is_dir():
            raise OutputError(f"{self.given}: is a file, not a folder; remove it or choose another folder "
                              "with --out")
        if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
            raise OutputError(f"{self.given}: the folder is not writable; change its permissions or choose "
                              "another folder with --out")
        cwd = Path(os.path.abspath(os.getcwd()))
        if out == cwd or out in cwd.parents or out.parent == out:
            raise OutputError(f"{self.given}: kmpost replaces its output folder as a whole, so it cannot be "
                              "the current folder or one above it; give a folder of its own, e.g. --out out")
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{self.given}: cannot create the folder {out.parent} ({exc.strerror}); "
                              "choose another folder with --out") from None
        self._lock = _Lock(out.parent / f".kmpost-lock.{self._tag()}")
        try:
            self._lock.acquire(self.given)
        except OSError as exc:
            self._lock = None
            raise OutputError(f"{self.given}: cannot write into {out.parent} ({exc.strerror}); kmpost writes "
                              "the build beside the output folder and switches it into place, so that folder "
                              "must be writable: choose another folder with --out") from None
        try:
            self._recover()
            self._user_entries()   # refuse now rather than after the build
            self.stage = Path(tempfile.mkdtemp(prefix=f".kmpost-tmp-{self._tag()}.", dir=out.parent))
        except OutputError:
            if self._lock:
                self._lock.release()
            raise
        except OSError as exc:
            raise self._fail(f"{self.given}: cannot create a staging folder in {out.parent} ({exc.strerror}); "
                             "kmpost writes the build beside the output folder and switches it into place, so "
                             "that folder must be writable: choose another folder with --out") from None
        return self.stage

    def _recover(self) -> None:
        """The recovery rule: put back a build replaced by a killed switch, then clean leftovers."""
        left = self._leftovers()
        if not self.target.exists():
            olds = [p for p in left if p.name.startswith(".kmpost-old-") and _read_manifest(p) is not None]
            if olds:  # killed between the two renames of the fallback switch: the old build comes back
                os.rename(olds[-1], self.target)
                left.remove(olds[-1])
        for p in left:
            if self.target.is_dir():
                _salvage(p, self.target)
            else:  # no folder (the user removed it): what is left are kmpost outputs and copies
                shutil.rmtree(p, ignore_errors=True)

    def _user_entries(self) -> list[str]:
        """The entries of the target that are the user's (carried over); raises for those that cannot be."""
        if not self.target.exists():
            return []
        try:
            names = sorted(os.listdir(self.target))
        except OSError as exc:
            raise OutputError(f"{self.given}: cannot list the folder ({exc.strerror}); check its permissions "
                              "or choose another folder with --out") from None
        own = _owned(self.target, names)
        # kmpost writes no folders: one with an output's name (out/kmpost.html/) is the user's
        user = [n for n in names if n not in own or (not n.startswith(".kmpost-tmp-") and _is_folder(self.target / n))]
        for n in user:
            if _is_folder(self.target / n):
                raise OutputError(f"{self.given / n}: a folder kmpost did not write; kmpost replaces "
                                  f"{self.given} as a whole and does not move folders: move it out of "
                                  f"{self.given} or choose another folder with --out")
        return user

    # -- exit: carry over, manifest, switch, clean -------------------------------------------------
    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self.stage is not None
        try:
            if et is None:
                self._commit(self.stage)
        finally:
            if not self.switched:  # kmpost outputs, and links or copies of user files still in the target
                shutil.rmtree(self.stage, ignore_errors=True)
            if self._lock:
                self._lock.release()

    def _commit(self, stage: Path) -> None:
        out = self.target
        written = sorted(os.listdir(stage))
        user = self._user_entries()
        clash = [n for n in user if n in written]
        if clash:
            raise OutputError(f"{self.given / clash[0]}: a file kmpost did not write has the name of an output "
                              "of this build; rename or move it, then build again")
        try:
            for n in written:
                p = stage / n
                if p.is_file():
                    fd = os.open(p, os.O_RDONLY)
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
            manifest = {"kmpost": 1, "build": uuid.uuid4().hex, "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                        "files": written,
                        "note": "kmpost owns the files listed here; it carries every other file over"}
            with atomic_write(stage / MANIFEST, what="the manifest") as f:
                json.dump(manifest, f, indent=1)
            for n in user:
                self._carry(out / n, stage / n)
            os.chmod(stage, stat.S_IMODE(out.stat().st_mode) if out.exists() else 0o777 & ~_umask())
            if out.exists() and _read_manifest(out) is None:  # adopt a folder of an older kmpost
                own = sorted(_owned(out, os.listdir(out)) - {MANIFEST})
                with atomic_write(out / MANIFEST, what="the manifest") as f:
                    json.dump({"kmpost": 1, "build": "adopted", "files": own}, f, indent=1)
            _fsync_dir(stage)
        except OutputError:
            raise
        except OSError as exc:
            raise OutputError(f"{self.given}: preparing the switch failed ({exc.strerror or exc}); "
                              f"{self.given} was not changed") from None
        self._switch(stage, out)

    def _carry(self, src: Path, dst: Path) -> None:
        """Put the user's entry ``src`` into the stage as ``dst``: a hard link, else a copy."""
        try:
            os.link(src, dst, follow_symlinks=False)
            return
        except FileNotFoundError:
            return  # deleted meanwhile
        except OSError:
            pass
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        elif src.is_file():
            shutil.copy2(src, dst)
        else:
            raise OutputError(f"{src}: kmpost cannot carry this entry into the new build (not a file); move it "
                              f"out of {self.given} or choose another folder with --out")

    def _switch(self, stage: Path, out: Path) -> None:
        """Put ``stage`` in place of ``out`` in one atomic step (or the two-rename fallback)."""
        try:
            if not out.exists():
                os.rename(stage, out)
                self.switched = True
                _fsync_dir(out.parent)
                return
            try:
                _exchange(stage, out)
            except OSError as exc:
                if exc.errno not in _NO_EXCHANGE:
                    raise
                old = out.parent / f".kmpost-old-{self._tag()}.{uuid.uuid4().hex[:8]}"
                os.rename(out, old)
                try:
                    os.rename(stage, out)   # a kill between these two renames: _recover puts `old` back
                except OSError:
                    os.rename(old, out)
                    raise
                stage = old
        except OSError as exc:
            raise OutputError(f"{self.given}: switching the new build into place failed ({exc.strerror or exc}); "
                              f"{self.given} was not changed") from None
        self.switched = True
        _fsync_dir(out.parent)
        with contextlib.suppress(OSError):  # what stays is cleaned by the next build
            _salvage(stage, out)   # the replaced build: its files go, user files written meanwhile come over


def parallel_jobs(jobs: int | None) -> int:
    """How many processes write a build's outputs: ``jobs`` if given (at least 1), else the
    environment variable ``KMPOST_JOBS`` if set to a number (``KMPOST_JOBS=1``: one process), else
    2 where the system forks safely (Linux) and this process may run on at least two CPUs, else 1."""
    if jobs is None:
        env = os.environ.get("KMPOST_JOBS", "").strip()
        if env.isdigit():
            jobs = int(env)
    if jobs is not None:
        return max(1, int(jobs))
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return 2 if cpus >= 2 else 1


def _cpu_times() -> tuple[int, int] | None:
    """(all, idle) CPU time of the system so far in clock ticks (Linux ``/proc/stat``), or None."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = f.readline().split()
        ticks = [int(x) for x in fields[1:9]]  # user nice system idle iowait irq softirq steal
    except (OSError, ValueError, IndexError):
        return None
    return sum(ticks), ticks[3] + ticks[4]


class CpuProbe:
    """How many CPUs of the system were idle, on average, since the probe was made (Linux); the
    CPU time this process spent beyond one CPU (its own helper threads) counts as idle: it is
    free for the build's second process."""

    def __init__(self) -> None:
        self.start = _cpu_times()
        self.own = _own_cpu_s()
        self.wall = time.monotonic()

    def idle_cpus(self) -> float | None:
        """Idle CPUs since the start (0 .. the number of CPUs); None where it cannot be known."""
        now = _cpu_times()
        if self.start is None or now is None or now[0] <= self.start[0]:
            return None
        cpus = os.cpu_count() or 1
        idle = cpus * (now[1] - self.start[1]) / (now[0] - self.start[0])
        wall = time.monotonic() - self.wall
        extra = (_own_cpu_s() - self.own) / wall - 1.0 if wall > 0 else 0.0
        return min(float(cpus), idle + max(0.0, extra))


def _own_cpu_s() -> float:
    """CPU seconds (user + system) this process has used, all its threads."""
    t = os.times()
    return t.user + t.system


#: A second writer process is started (when not asked for) only if at least this many CPUs were
#: idle while the build computed its layers: on a machine whose other CPUs are busy, two
#: processes of the build only take turns (and copy pages), which is slower than one.
IDLE_FOR_SECOND = 0.6


def second_process(jobs: int | None, probe: CpuProbe | None = None) -> bool:
    """Whether a build writes with a second process: yes when asked (``jobs`` or ``KMPOST_JOBS``
    at least 2); when not asked, where :func:`parallel_jobs` allows it and ``probe`` saw a CPU
    idle (:data:`IDLE_FOR_SECOND`; no probe or no answer: yes)."""
    if parallel_jobs(jobs) < 2:
        return False
    asked = jobs is not None or os.environ.get("KMPOST_JOBS", "").strip().isdigit()
    if asked or probe is None:
        return True
    idle = probe.idle_cpus()
    return idle is None or idle >= IDLE_FOR_SECOND


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this (forked) process when its parent dies (``PR_SET_PDEATHSIG``): a
    killed build leaves no writer behind it."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG = 1, SIGKILL = 9
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _pickled_error(exc: BaseException) -> bytes:
    """``exc`` pickled for the parent (the writer's traceback added as a note to other than a
    :class:`KmpostError`); an exception that does not survive pickling becomes an OutputError
    with its one line."""
    import pickle
    import traceback

    from geo.errors import KmpostError

    if not isinstance(exc, KmpostError):
        note = getattr(exc, "add_note", None)  # Python 3.11+
        if note is not None:
            with contextlib.suppress(Exception):
                note("in the writer process:\n" + "".join(traceback.format_exception(exc)))
    try:
        data = pickle.dumps(exc)
        pickle.loads(data)
        return data
    except Exception:
        return pickle.dumps(OutputError(f"{type(exc).__name__}: {exc}"))


class Background:
    """``fn()`` run beside the caller: in a forked process when ``parallel`` (and the system can
    fork), else at :meth:`result`.

    For writers that put files into an :class:`AtomicDir` stage: the forked process shares the
    build's data (copy on write) and returns nothing but its files; :meth:`result` waits for it
    and raises the exception it raised (a :class:`geo.errors.KmpostError` as it was, so the one-line
    message reaches the user), or an :class:`OutputError` when it died. :meth:`cancel` (the caller
    failed) kills it before the stage is removed. The process dies with its parent
    (``PR_SET_PDEATHSIG``), so a killed build leaves no writer running; ``close_fds`` (the stage's
    lock) are closed in it so that only the parent holds them.
    """

    def __init__(self, fn: Any, *, parallel: bool, close_fds: list[int] | tuple[int, ...] = (),
                 what: str = "the map files") -> None:
        self.fn: Any = fn
        self.what = what
        self.pid: int | None = None
        self.fd: int | None = None
        if not parallel or not hasattr(os, "fork"):
            return
        parent = os.getpid()
        r, w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the writer: never returns
            code, payload = 1, b""
            try:
                import gc

                gc.freeze()  # the build's objects are not collected here: their pages stay shared
                os.close(r)
                _die_with_parent(parent)
                for fd in close_fds:
                    with contextlib.suppress(OSError):
                        os.close(fd)
                fn()
                code = 0
            except BaseException as exc:  # every failure goes to the parent
                payload = _pickled_error(exc)
            finally:
                with contextlib.suppress(BaseException):
                    view = memoryview(payload)
                    while view:
                        view = view[os.write(w, view):]
                os._exit(code)
        os.close(w)
        self.pid, self.fd, self.fn = pid, r, None

    def _wait(self) -> tuple[bytes, int]:
        """Read what the writer reports until it ends; wait for it. Interrupted here (Ctrl-C), the
        writer is killed first, so nothing waits for it and nothing writes on."""
        assert self.pid is not None and self.fd is not None
        chunks = []
        done = False
        try:
            while chunk := os.read(self.fd, 1 << 16):
                chunks.append(chunk)
            done = True
        finally:
            os.close(self.fd)
            self.fd = None
            if not done:
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
            _, status = os.waitpid(self.pid, 0)
            self.pid = None
        return b"".join(chunks), status

    def result(self) -> None:
        """Wait for ``fn`` to finish (run it now when not forked); raise what it raised."""
        if self.pid is None:
            fn, self.fn = self.fn, None
            if fn is not None:
                fn()
            return
        data, status = self._wait()
        if data:
            import pickle

            raise pickle.loads(data)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            how = (f"was killed by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
                   else f"ended with status {os.waitstatus_to_exitcode(status)}")
            raise OutputError(f"writing {self.what}: the writer process {how} (out of memory?); the output "
                              "folder was not changed: build again, or with one process (jobs=1)")

    def cancel(self) -> None:
        """Stop ``fn`` (the caller failed): kill the forked process and wait for it."""
        self.fn = None
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                self._wait()


class TaskPool:
    """Tasks that either of two processes (a build and its forked writer) may run: each is taken
    once, by whichever process asks first (:meth:`run`), so the two share the work as they come
    free. One byte per task waits in a pipe made before the fork (written, then its write end
    closed); a read of one byte is atomic, and an empty pipe reads as its end.

    >>> done = []
    >>> pool = TaskPool([lambda: done.append("a"), lambda: done.append("b")])
    >>> pool.run(); pool.run(); pool.close(); done
    ['a', 'b']
    """

    def __init__(self, tasks: list[Any]) -> None:
        if len(tasks) > 255:
            raise ValueError("TaskPool: at most 255 tasks")
        self.tasks = list(tasks)
        r, w = os.pipe()
        try:
            os.write(w, bytes(range(len(self.tasks))))
        finally:
            os.close(w)
        self.fd: int | None = r

    def run(self) -> None:
        """Run the tasks not yet taken, one after the other, until none is left."""
        while self.fd is not None:
            b = os.read(self.fd, 1)
            if not b:
                return
            self.tasks[b[0]]()

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def safe_text(text: str) -> str:
    r"""``text`` made safe to write into an HTML, Markdown, SVG or XML output (UTF-8).

    C0 and C1 control characters (all but tab, newline and carriage return) and the
    non-characters U+FFFE/U+FFFF are removed; lone surrogates, which UTF-8 cannot encode, become
    U+FFFD. The one function the HTML map, the roadbook and the profile writers use.

    >>> safe_text("G315\x1b[31m \ud800 km\x00\x85 1\n2") == "G315[31m \ufffd km 1\n2"
    True
    """
    if _UNSAFE_CHARS.search(text) is None and _SURROGATES.search(text) is None:
        return text
    return _SURROGATES.sub("\ufffd", _UNSAFE_CHARS.sub("", text))


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", *, what: str = "the file",
                 make_dirs: bool = False) -> Iterator[IO[Any]]:
    """Open a temp file next to ``path``; on success fsync it and ``os.replace`` it onto ``path``.

    The file gets the usual permissions (0666 minus the umask; ``mkstemp`` alone makes 0600).
    On any error the temp file is removed and ``path`` is left untouched; an OSError becomes
    :class:`geo.errors.OutputError` naming ``what``. Text mode writes UTF-8 with ``\n`` line
    ends. ``make_dirs`` creates missing parent folders first.
    """
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    try:
        if make_dirs:
            folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise OutputError(f"{p}: cannot write {what} into {folder} ({e.strerror or e}); "
                          "check that the folder exists and is writable, or choose another with --out") from None
    try:
        kw: dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": "\n"}
        with os.fdopen(fd, mode, **kw) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, p)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"{p}: writing {what} failed ({e.strerror or e}); nothing was changed") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _geometry_type(gdf: gpd.GeoDataFrame) -> str:
    types = set(gdf.geometry.geom_type.dropna()) if len(gdf) else set()
    if len(types) == 1:
        return types.pop()
    return "Unknown"


def write_geopackage(layers: dict[str, gpd.GeoDataFrame], path: Path) -> None:
    """One GeoPackage layer per entry (EPSG:4326); mixed geometry types are written as 'Unknown'.

    SQLite does not sync the file at every layer's commit (``OGR_SQLITE_SYNCHRONOUS=OFF`` while
    writing): the finished file is synced once at the end (and again by :class:`AtomicDir`)."""
    key = "OGR_SQLITE_SYNCHRONOUS"
    before = pyogrio.get_gdal_config_option(key)
    pyogrio.set_gdal_config_options({key: "OFF"})
    try:
        for name, gdf in layers.items():
            try:
                pyogrio.write_dataframe(
                    gdf, path, layer=name, driver="GPKG", append=path.exists(),
                    geometry_type=_geometry_type(gdf), promote_to_multi=False,
                )
            except Exception as exc:  # GDAL reports through many exception types
                raise OutputError(f"{path}: layer {name}: GeoPackage write failed ({exc})") from None
    finally:
        pyogrio.set_gdal_config_options({key: before})
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise OutputError(f"{path}: GeoPackage write failed ({exc.strerror or exc}); check the output folder") from None


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """RFC 7946 GeoJSON (lon, lat; 7 decimals, about 1 cm; polygon exteriors anticlockwise).

    Written from arrays: each geometry's coordinates are formatted with one C-level ``%`` call
    (a 1,000,000-vertex route line in well under a second, no second copy of the layer), the
    properties with ``json`` (NaN/None: null). EPSG:4326 input is expected (the layers' CRS).
    """
    import json

    import numpy as np
    import shapely

    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    geoms = shapely.orient_polygons(np.asarray(gdf.geometry.array, dtype=object), exterior_cw=False)
    geom_name = gdf.geometry.name
    names = [c for c in gdf.columns if c != geom_name]  # no copy of the frame without its geometry
    cols = [str(c) for c in names]
    values = []
    for c in names:
        col = gdf[c]
        miss = col.isna().to_numpy()
        values.append([None if m else (v.item() if isinstance(v, np.generic) else v)
                       for v, m in zip(col.tolist(), miss.tolist(), strict=True)])
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write('{\n"type": "FeatureCollection",\n"features": [\n')
            for i, g in enumerate(geoms.tolist()):
                rec = {c: v[i] for c, v in zip(cols, values, strict=True)}
                head = (("" if i == 0 else ",\n") + '{ "type": "Feature", "properties": '
                        + json.dumps(rec, ensure_ascii=False, allow_nan=False, default=str) + ', "geometry": ')
                if _long_line(g):  # the route: its coordinates straight into the file, block by block
                    f.write(head)
                    _write_line_geometry(f, shapely.get_coordinates(g, include_z=bool(shapely.has_z(g))))
                    f.write(" }")
                else:
                    f.write(head + _geojson_geometry(g) + " }")
            f.write("\n]\n}\n")
    except OSError as exc:
        raise OutputError(f"{path}: GeoJSON write failed ({exc.strerror or exc}); check the output folder") from None


def _long_line(g: Any) -> bool:
    """A LineString of at least :data:`_FIXED_ROWS_FROM` vertices (written block by block)."""
    import shapely

    return g is not None and not g.is_empty and g.geom_type == "LineString" and \
        int(shapely.get_num_coordinates(g)) >= _FIXED_ROWS_FROM


def _write_line_geometry(f: IO[str], xy: Any) -> None:
    """The GeoJSON LineString object of the (n, 2|3) coordinates ``xy`` (n >= 2), written to the
    text file ``f``: the same text as :func:`_geojson_geometry`, the coordinates handed to its
    byte buffer block by block (:func:`maps.textfmt.write_fixed_rows`)."""
    from maps.textfmt import write_fixed_rows

    dim = xy.shape[1]
    f.write('{ "type": "LineString", "coordinates": [')
    parts: list[Any] = ["[", (xy[:-1, 0], 7), ",", (xy[:-1, 1], 7)]
    parts += [",", (xy[:-1, 2], 2), "],"] if dim == 3 else ["],"]
    buf = getattr(f, "buffer", None)
    if buf is None:
        write_fixed_rows(parts, lambda b: f.write(bytes(b).decode("ascii")))
    else:
        f.flush()
        write_fixed_rows(parts, buf.write)
    f.write(_geojson_coords(xy[-1:])[1:-1] + "] }")


def _geojson_coords(xy: Any) -> str:
    """``[[x,y],...]`` of an (n, 2|3) coordinate array: 7 decimals (z: 2); one ``%`` call, or
    for a long line :func:`maps.textfmt.fixed_rows` (the same text)."""
    n, dim = xy.shape
    if n >= _FIXED_ROWS_FROM:
        from maps.textfmt import fixed_rows

        parts: list[Any] = ["[", (xy[:, 0], 7), ",", (xy[:, 1], 7)]
        parts += [",", (xy[:, 2], 2), "],"] if dim == 3 else ["],"]
        return "[" + fixed_rows(parts)[:-1].decode("ascii") + "]"
    row = "[%.7f,%.7f]," if dim == 2 else "[%.7f,%.7f,%.2f],"
    return "[" + ((row * n) % tuple(xy.ravel().tolist()))[:-1] + "]"


#: Coordinate arrays of at least this many vertices are formatted by ``fixed_rows``.
_FIXED_ROWS_FROM = 2000


def _geojson_geometry(g: Any) -> str:
    """The GeoJSON geometry object of one shapely geometry (None or empty: null)."""
    import shapely

    if g is None or g.is_empty:
        return "null"
    kind = g.geom_type
    z = bool(shapely.has_z(g))

    def xy(part: Any) -> Any:
        return shapely.get_coordinates(part, include_z=z)

    if kind == "Point":
        body = _geojson_coords(xy(g))[1:-1]
    elif kind == "LineString":
        body = _geojson_coords(xy(g))
    elif kind == "Polygon":
        body = "[" + ",".join(_geojson_coords(xy(r)) for r in (g.exterior, *g.interiors)) + "]"
    elif kind == "GeometryCollection":
        return ('{ "type": "GeometryCollection", "geometries": ['
                + ",".join(_geojson_geometry(p) for p in g.geoms) + "] }")
    else:  # MultiPoint, MultiLineString, MultiPolygon: the parts' coordinate arrays
        body = "[" + ",".join(_geojson_geometry(p).split('"coordinates": ', 1)[1][:-2]
                              for p in g.geoms) + "]"
    return '{ "type": "' + kind + '", "coordinates": ' + body + " }"


DRAFT_MARK = "# kmpost draft sha256="


def _draft_body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def write_draft(path: str | Path, text: str) -> Path:
    """Write a draft roadbook to ``path`` without ever overwriting the user's edits.

    The file's first line records a hash of the rest (:data:`DRAFT_MARK`). An existing file whose
    hash still matches was not edited since kmpost wrote it and is replaced; one that differs (the
    user edited it, or it is not a kmpost draft) is kept as it is: the new draft goes beside it as
    ``<name>.new.yaml`` and :class:`OutputError` says which file is which. Returns ``path``.
    """
    p = Path(path)
    full = f"{DRAFT_MARK}{_draft_body_hash(text)} (kmpost rewrites this file only while this line matches)\n" + text
    if p.exists():
        try:
            old = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            old = None
        if old == full:
            return p
        first, _, rest = (old or "").partition("\n")
        unedited = first.startswith(DRAFT_MARK) and first[len(DRAFT_MARK):].split(" ", 1)[0] == _draft_body_hash(rest)
        if not unedited:
            new = p.with_name(p.stem + ".new.yaml")
            with atomic_write(new, what="the new draft roadbook") as f:
                f.write(full)
            raise OutputError(
                f"{p}: this draft was edited since kmpost wrote it, so it was left as it is; the draft the notes "
                f"give now is in {new}. Build your edited draft with --roadbook {p} (and the same --track), or "
                f"delete {p} to extract it again")
    with atomic_write(p, what="the draft roadbook", make_dirs=True) as f:
        f.write(full)
    return p
