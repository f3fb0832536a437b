"""Writing an export to disk: never over an existing file unless asked, never half a file."""
from __future__ import annotations

from pathlib import Path

from paperkg.diskio import atomic_write_bytes
from paperkg.graph.export.errors import ExportError


def write_file(data: bytes, path, force: bool = False) -> Path:
    """Write ``data`` to ``path`` crash-safely (a temporary file in the same folder, then
    ``os.replace``). An existing file is kept unless ``force``; :class:`ExportError` names the fix."""
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"{path}: is a folder; give a file name, e.g. {path / ('export' + path.suffix)}")
    if path.exists() and not force:
        raise ExportError(f"{path}: already exists; use --force to overwrite it or choose another name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"{path}: the folder {folder} does not exist; create it first")
    mode = (path.stat().st_mode & 0o7777) if path.exists() else 0o644
    try:
        return atomic_write_bytes(path, data, mode)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write: {exc.strerror or exc}") from exc
