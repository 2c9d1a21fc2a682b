"""GeoPackage and GeoJSON output, written atomically.

:class:`AtomicDir` collects output files in a temporary folder inside the target folder and moves
them into place only when every file has been written: an error half-way leaves the target
folder exactly as it was (no half-written file, no partial set).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import geopandas as gpd
import pyogrio

from geo.errors import OutputError


class AtomicDir:
    """A staging folder whose files replace those of ``target`` on successful exit.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with AtomicDir(d) as stage:
    ...     _ = (stage / "a.txt").write_text("x")
    >>> (d / "a.txt").read_text()
    'x'
    """

    def __init__(self, target: str | Path):
        self.target = Path(target)
        self.stage: Path | None = None

    def __enter__(self) -> Path:
        try:
            self.target.mkdir(parents=True, exist_ok=True)
            self.stage = Path(tempfile.mkdtemp(prefix=".kmpost-tmp-", dir=self.target))
        except OSError as exc:
            raise OutputError(f"{self.target}: cannot create the output folder ({exc.strerror}); "
                              "choose another folder with --out") from None
        return self.stage

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self.stage is not None
        try:
            if et is None:
                for f in sorted(self.stage.iterdir()):
                    os.replace(f, self.target / f.name)
        finally:
            shutil.rmtree(self.stage, ignore_errors=True)


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
    """One GeoPackage layer per entry (EPSG:4326); mixed geometry types are written as 'Unknown'."""
    for name, gdf in layers.items():
        try:
            pyogrio.write_dataframe(
                gdf, path, layer=name, driver="GPKG", append=path.exists(),
                geometry_type=_geometry_type(gdf), promote_to_multi=False,
            )
        except Exception as exc:  # GDAL reports through many exception types
            raise OutputError(f"{path}: layer {name}: GeoPackage write failed ({exc})") from None


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """RFC 7946 GeoJSON (lon, lat; 7 decimals, about 1 cm)."""
    try:
        pyogrio.write_dataframe(
            gdf, path, driver="GeoJSON", geometry_type=_geometry_type(gdf),
            layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": "7", "WRITE_NAME": "NO"},
        )
    except Exception as exc:
        raise OutputError(f"{path}: GeoJSON write failed ({exc})") from None


DRAFT_MARK = "# kmpost draft sha256="


def _draft_body_hash(body: str) -> str:
    import hashlib

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
