"""On-disk cache for downloads from public sources.

Every file downloaded by :mod:`meam_mapping.sources` is kept in a cache
folder together with a JSON *sidecar* saying where it came from, when it was
fetched and under which licence, so that an analysis can be re-run offline
and its evidence traced back to the publisher.

The folder is, in order of preference: the ``folder`` given to
:class:`SourceCache`, the environment variable ``MEAM_MAPPING_CACHE``, or
``~/.cache/meam_mapping``. Setting ``MEAM_MAPPING_OFFLINE=1`` makes every
fetch work from the cache only (see :func:`offline_from_env`).

Each entry is two files named by a hash of the full address::

    <hash>.data    the bytes exactly as downloaded
    <hash>.json    {"url", "fetched", "licence", "source", "content_type",
                    "bytes", "sha256"}

Writes are atomic (written beside, then renamed), and an entry whose data no
longer matches its recorded checksum is treated as absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from meam_mapping.errors import InputError

__all__ = [
    "CACHE_ENV",
    "OFFLINE_ENV",
    "CacheEntry",
    "SourceCache",
    "SourceError",
    "default_cache_dir",
    "offline_from_env",
]

#: Environment variable naming the cache folder.
CACHE_ENV = "MEAM_MAPPING_CACHE"
#: Environment variable that, when ``1``/``true``/``yes``, forces offline mode.
OFFLINE_ENV = "MEAM_MAPPING_OFFLINE"


class SourceError(InputError):
    """A public source could not be used: unreachable, offline, or an unexpected reply.

    Carries the same fields as :class:`~meam_mapping.errors.InputError`
    (``file`` holds the web address) so the app shows it the same way.
    """


def default_cache_dir() -> Path:
    """Return the cache folder: ``$MEAM_MAPPING_CACHE`` or ``~/.cache/meam_mapping``.

    Returns
    -------
    pathlib.Path
        The folder (not created here).
    """
    env = os.environ.get(CACHE_ENV, "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "meam_mapping"


def offline_from_env() -> bool:
    """Whether ``MEAM_MAPPING_OFFLINE`` asks for offline mode.

    Returns
    -------
    bool
        True for ``1``, ``true``, ``yes`` or ``on`` (any case).
    """
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class CacheEntry:
    """One cached download and where it came from.

    Attributes
    ----------
    path : pathlib.Path
        The file holding the bytes.
    url : str
        The full address the bytes were fetched from.
    fetched : str
        When, as an ISO 8601 UTC timestamp (``2024-05-01T09:30:00+00:00``).
    licence : str
        The licence the publisher releases the data under.
    source : str
        The publisher or service, in words.
    content_type : str
        The ``Content-Type`` the server sent.
    size : int
        Number of bytes.
    sha256 : str
        Checksum of the bytes.
    """

    path: Path
    url: str
    fetched: str
    licence: str
    source: str
    content_type: str
    size: int
    sha256: str

    def read(self) -> bytes:
        """Return the cached bytes."""
        return self.path.read_bytes()

    @property
    def fetched_date(self) -> str:
        """The date fetched, ``YYYY-MM-DD``."""
        return self.fetched[:10]

    def age_days(self, now: datetime | None = None) -> float:
        """Days since the file was fetched."""
        now = now or datetime.now(UTC)
        then = datetime.fromisoformat(self.fetched)
        return (now - then).total_seconds() / 86400.0


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class SourceCache:
    r"""A folder of downloads, each with a provenance sidecar.

    Parameters
    ----------
    folder : str or os.PathLike, optional
        Where to keep files. Default: :func:`default_cache_dir`.

    Examples
    --------
    >>> import tempfile
    >>> cache = SourceCache(tempfile.mkdtemp())
    >>> entry = cache.put("https://example.org/a.csv", b"x,y\\n1,2\\n",
    ...                   licence="OGL v3.0", source="Example")
    >>> cache.get("https://example.org/a.csv").read()
    b'x,y\\n1,2\\n'
    """

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder).expanduser() if folder is not None else default_cache_dir()

    @staticmethod
    def key(url: str) -> str:
        """Return the file stem used for ``url`` (a SHA-256 of the address)."""
        return hashlib.sha256(url.encode("utf-8")).hexdigest()[:40]

    def _paths(self, url: str) -> tuple[Path, Path]:
        stem = self.key(url)
        return self.folder / f"{stem}.data", self.folder / f"{stem}.json"

    def get(self, url: str) -> CacheEntry | None:
        """Return the entry for ``url``, or None when it is not cached (or damaged).

        Parameters
        ----------
        url : str
            The full address, including its query string.

        Returns
        -------
        CacheEntry or None
        """
        data_path, meta_path = self._paths(url)
        if not data_path.is_file() or not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            data = data_path.read_bytes()
        except (OSError, ValueError):
            return None
        if meta.get("url") != url or hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            return None
        return CacheEntry(
            path=data_path,
            url=url,
            fetched=str(meta.get("fetched", "")),
            licence=str(meta.get("licence", "")),
            source=str(meta.get("source", "")),
            content_type=str(meta.get("content_type", "")),
            size=len(data),
            sha256=str(meta["sha256"]),
        )

    def put(
        self,
        url: str,
        data: bytes,
        *,
        licence: str,
        source: str,
        content_type: str = "",
        fetched: datetime | None = None,
    ) -> CacheEntry:
        """Store ``data`` downloaded from ``url`` with its provenance.

        Parameters
        ----------
        url : str
            The full address.
        data : bytes
            The bytes exactly as downloaded.
        licence, source : str
            Licence and publisher, kept in the sidecar.
        content_type : str, optional
            The server's ``Content-Type``.
        fetched : datetime, optional
            When it was fetched (default: now, UTC).

        Returns
        -------
        CacheEntry

        Raises
        ------
        SourceError
            If the cache folder cannot be written.
        """
        data_path, meta_path = self._paths(url)
        when = (fetched or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        meta = {
            "url": url,
            "fetched": when,
            "licence": licence,
            "source": source,
            "content_type": content_type,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _atomic_write(data_path, data)
            _atomic_write(meta_path, json.dumps(meta, indent=1).encode("utf-8"))
        except OSError as exc:
            raise SourceError(
                f"The download could not be saved in the cache folder ({exc.strerror or exc})",
                file=str(self.folder),
                fix=f"Choose a folder you can write to (set {CACHE_ENV} or pass cache_dir=)",
            ) from None
        return CacheEntry(
            data_path,
            url,
            when,
            licence,
            source,
            content_type,
            len(data),
            str(meta["sha256"]),
        )

    def entries(self) -> list[CacheEntry]:
        """Every valid entry in the folder, oldest first."""
        if not self.folder.is_dir():
            return []
        found: list[CacheEntry] = []
        for meta_path in sorted(self.folder.glob("*.json")):
            try:
                url = json.loads(meta_path.read_text(encoding="utf-8")).get("url", "")
            except (OSError, ValueError):
                continue
            entry = self.get(str(url)) if url else None
            if entry is not None:
                found.append(entry)
        return sorted(found, key=lambda e: e.fetched)

    def remove(self, url: str) -> bool:
        """Delete the entry for ``url``; return whether there was one."""
        data_path, meta_path = self._paths(url)
        existed = data_path.exists() or meta_path.exists()
        data_path.unlink(missing_ok=True)
        meta_path.unlink(missing_ok=True)
        return existed
