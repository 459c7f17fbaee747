"""A small, patient HTTP client for public data services, with the on-disk cache.

Built on the standard library's :mod:`urllib.request` (no extra dependency).
Every request has a bounded timeout (20 s by default) and a bounded number of
retries (3) with exponential backoff; only failures that may pass (no
connection, timeouts, HTTP 408/429/5xx) are retried. A reply that is an HTML
web page when a table or JSON was asked for (a maintenance or error page
served with status 200) is detected and reported instead of being read as
data.

:class:`SourceClient` joins the client to a :class:`~.cache.SourceCache`:

* a file already in the cache is used without going online (unless
  ``refresh=True`` or it is older than ``max_age_days``);
* a new download is checked, then cached with its address, date and licence;
* when the service cannot be reached, a cached copy is used with a note;
* in offline mode only the cache is used, and a file never downloaded gives
  a clear :class:`~.cache.SourceError` straight away.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from meam_mapping.sources.cache import CacheEntry, SourceCache, SourceError, offline_from_env

__all__ = [
    "DEFAULT_BACKOFF",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "Download",
    "Expect",
    "HttpClient",
    "SourceClient",
    "build_url",
    "check_content",
]

DEFAULT_TIMEOUT = 20.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 1.0
_MAX_WAIT = 10.0
_RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_USER_AGENT = "meam-mapping/0.1 (+https://github.com/; open data fetcher)"

Expect = Literal["csv", "json", "geojson", "any"]


def build_url(base_url: str, path: str = "", params: Mapping[str, object] | None = None) -> str:
    """Join a base address, a path and query parameters into one address.

    Parameters
    ----------
    base_url : str
        E.g. ``"https://fingertips.phe.org.uk/api/"`` (a missing final ``/``
        is added).
    path : str, optional
        Path below the base, e.g. ``"all_data/csv/by_indicator_id"``.
    params : mapping, optional
        Query parameters, in order; None values are left out.

    Returns
    -------
    str

    Examples
    --------
    >>> build_url("http://x.org/api", "areas", {"area_type_id": 3})
    'http://x.org/api/areas?area_type_id=3'
    """
    url = base_url if base_url.endswith("/") or not path else base_url + "/"
    url += path.lstrip("/")
    if params:
        query = urllib.parse.urlencode(
            [(k, str(v)) for k, v in params.items() if v is not None], safe=",'()*"
        )
        url += ("&" if "?" in url else "?") + query
    return url


def _html_title(data: bytes) -> str:
    match = re.search(rb"<title[^>]*>(.*?)</title>", data[:20000], re.IGNORECASE | re.DOTALL)
    if not match:
        return ""
    return " ".join(match.group(1).decode("utf-8", "replace").split())[:120]


def check_content(data: bytes, content_type: str, expect: Expect, url: str) -> None:
    """Raise :class:`SourceError` when a reply is not the kind of file expected.

    Parameters
    ----------
    data : bytes
        The reply body.
    content_type : str
        The ``Content-Type`` header.
    expect : {"csv", "json", "geojson", "any"}
        What was asked for.
    url : str
        The address, for the message.

    Raises
    ------
    SourceError
        If the reply is an HTML page, empty, or (for JSON) not valid JSON.
    """
    if expect == "any":
        return
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if "text/html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html")):
        title = _html_title(data)
        raise SourceError(
            "The service sent back a web page instead of "
            + ("a table" if expect == "csv" else "data")
            + (f" (page title: {title!r})" if title else ""),
            file=url,
            expected=f"a {expect.upper()} file",
            fix="The service may be down for maintenance or the address may have changed; "
            "try again later, or check the address in the settings",
        )
    if not data.strip():
        raise SourceError("The service sent back an empty reply", file=url)
    if expect in ("json", "geojson"):
        try:
            json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            raise SourceError(
                "The service's reply is not valid JSON",
                file=url,
                expected="a JSON document",
                fix="Try again later; if it persists the service may have changed",
            ) from None


class HttpClient:
    """GET requests with bounded timeouts and retries.

    Parameters
    ----------
    timeout : float, default 20
        Seconds to wait for the server at each step (connect, each read).
    retries : int, default 3
        Extra attempts after the first for failures that may pass.
    backoff : float, default 1
        Wait before retry ``i`` (0-based) is ``backoff * 2**i`` seconds,
        at most 10.
    user_agent : str, optional
        The ``User-Agent`` header.
    opener : callable, optional
        Replacement for :func:`urllib.request.urlopen` (for tests).
    sleep : callable, optional
        Replacement for :func:`time.sleep` (for tests).
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        user_agent: str = _USER_AGENT,
        opener: Callable[..., object] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.user_agent = user_agent
        self.opener = opener
        self.sleep = sleep

    def get(self, url: str, *, expect: Expect = "any") -> tuple[bytes, str]:
        """Fetch ``url``; return the body and its ``Content-Type``.

        Parameters
        ----------
        url : str
            The full address.
        expect : {"csv", "json", "geojson", "any"}, default "any"
            What kind of reply is wanted; an HTML page instead is an error.

        Returns
        -------
        tuple of (bytes, str)

        Raises
        ------
        SourceError
            When the server cannot be reached after the retries, answers with
            an error status, or sends a reply of the wrong kind.
        """
        if self.timeout <= 0 or self.retries < 0:
            raise ValueError("timeout must be > 0 and retries >= 0")
        accept = {"csv": "text/csv", "json": "application/json", "geojson": "application/geo+json"}
        headers = {"User-Agent": self.user_agent, "Accept": accept.get(expect, "*/*") + ",*/*"}
        opener = self.opener or urllib.request.urlopen
        sleep = self.sleep or time.sleep
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                sleep(min(self.backoff * 2 ** (attempt - 1), _MAX_WAIT))
            request = urllib.request.Request(url, headers=headers)
            try:
                with opener(request, timeout=self.timeout) as response:  # type: ignore[operator]
                    data = response.read()
                    content_type = response.headers.get("Content-Type", "") or ""
            except urllib.error.HTTPError as exc:
                if exc.code in _RETRY_STATUS:
                    last = f"the server answered with an error (HTTP {exc.code})"
                    continue
                raise SourceError(
                    f"The service refused the request (HTTP {exc.code} {exc.reason})",
                    file=url,
                    fix="Check the indicator, area type or service name; the address may "
                    "have changed"
                    if exc.code in (400, 404, 410)
                    else "Try again later",
                ) from None
            except TimeoutError:
                last = f"the server did not answer within {self.timeout:g} seconds"
                continue
            except urllib.error.URLError as exc:
                reason = exc.reason
                if isinstance(reason, TimeoutError):
                    last = f"the server did not answer within {self.timeout:g} seconds"
                else:
                    last = f"the service could not be reached ({reason})"
                continue
            except (ConnectionError, OSError) as exc:
                last = f"the connection failed ({exc})"
                continue
            check_content(data, content_type, expect, url)
            return data, content_type
        raise SourceError(
            f"Download failed after {self.retries + 1} attempt(s): {last}",
            file=url,
            fix="Check your internet connection (or proxy), try again later, or work offline "
            "from files downloaded before",
        )


@dataclass(frozen=True)
class Download:
    """Bytes from a public source, with where and when they came from.

    Attributes
    ----------
    data : bytes
        The file as published.
    url : str
        The full address.
    fetched : str
        ISO 8601 UTC time of the download.
    licence, source : str
        The licence and the publisher.
    from_cache : bool
        True when read from the cache rather than downloaded just now.
    notes : tuple of str
        Plain-English notes (e.g. "used a copy from 2024-05-01 because ...").
    """

    data: bytes
    url: str
    fetched: str
    licence: str
    source: str
    from_cache: bool
    notes: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> str:
        """One sentence of provenance for notes and exports."""
        how = "read from the local cache" if self.from_cache else "downloaded"
        return (
            f"{self.source} data {how} (fetched {self.fetched[:10]}) from {self.url}; "
            f"licence: {self.licence}."
        )


class SourceClient:
    """Fetch files from public sources through the on-disk cache.

    Parameters
    ----------
    cache : SourceCache, str or os.PathLike, optional
        The cache, or its folder (default: :func:`~.cache.default_cache_dir`).
    offline : bool, optional
        Work from the cache only. Default: ``MEAM_MAPPING_OFFLINE``.
    refresh : bool, default False
        Download again even when a cached copy exists.
    max_age_days : float, optional
        Cached copies older than this are downloaded again (the old copy is
        still used if the download fails). Default: never expire, so an
        analysis re-runs on the same data.
    http : HttpClient, optional
        The HTTP client (timeouts, retries).
    """

    def __init__(
        self,
        *,
        cache: SourceCache | str | os.PathLike[str] | None = None,
        offline: bool | None = None,
        refresh: bool = False,
        max_age_days: float | None = None,
        http: HttpClient | None = None,
    ) -> None:
        self.cache = cache
        self.offline = offline
        self.refresh = refresh
        self.max_age_days = max_age_days
        self.http = http

    def _cache(self) -> SourceCache:
        if isinstance(self.cache, SourceCache):
            return self.cache
        return SourceCache(self.cache)

    def _offline(self) -> bool:
        return offline_from_env() if self.offline is None else bool(self.offline)

    def fetch(self, url: str, *, expect: Expect, licence: str, source: str) -> Download:
        """Return the file at ``url`` from the cache or the network.

        Parameters
        ----------
        url : str
            The full address (the cache key).
        expect : {"csv", "json", "geojson", "any"}
            Kind of reply wanted.
        licence, source : str
            Recorded with the download.

        Returns
        -------
        Download

        Raises
        ------
        SourceError
            Offline with nothing cached, or the download failed with nothing
            cached.
        """
        cache = self._cache()
        entry = cache.get(url)
        if self._offline():
            if entry is None:
                raise SourceError(
                    "You are working offline and this file has not been downloaded before",
                    file=url,
                    fix="Go online once to download it (it is then kept in the cache folder "
                    f"{cache.folder}), or switch offline mode off",
                )
            return self._from_entry(entry, ("Offline: used the cached copy.",))
        stale = (
            entry is not None
            and self.max_age_days is not None
            and entry.age_days() > self.max_age_days
        )
        if entry is not None and not self.refresh and not stale:
            return self._from_entry(entry, ())
        http = self.http or HttpClient()
        try:
            data, content_type = http.get(url, expect=expect)
        except SourceError as exc:
            if entry is None:
                raise
            note = (
                f"Could not download a fresh copy ({exc.problem}); used the copy fetched "
                f"{entry.fetched_date} from the cache."
            )
            return self._from_entry(entry, (note,))
        saved = cache.put(url, data, licence=licence, source=source, content_type=content_type)
        return Download(data, url, saved.fetched, licence, source, False, ())

    @staticmethod
    def _from_entry(entry: CacheEntry, notes: tuple[str, ...]) -> Download:
        return Download(
            entry.read(), entry.url, entry.fetched, entry.licence, entry.source, True, notes
        )
