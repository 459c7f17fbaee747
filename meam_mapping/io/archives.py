"""Check and unpack zip archives without trusting them.

A zipped Shapefile, and every ``.xlsx`` workbook, is a zip archive. Before
anything is unpacked, :func:`check_zip` refuses an archive whose members have
absolute paths, drive letters or ``..`` in them (path traversal), that holds
too many members, unpacks to too much, or is compressed suspiciously well (a
"zip bomb"). :func:`extract_zip` then unpacks chosen members into a fresh
folder (:func:`fresh_temp_dir`), counting the bytes actually written and
turning every kind of damage into an :class:`~meam_mapping.errors.InputError`.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from meam_mapping.errors import InputError
from meam_mapping.io.budgets import check_extent, workbook_extents
from meam_mapping.io.safety import format_size, require_defusedxml

__all__ = [
    "MAX_COMPRESSION_RATIO",
    "MAX_UNZIPPED_BYTES",
    "MAX_ZIP_MEMBERS",
    "check_workbook",
    "check_zip",
    "extract_zip",
    "fresh_temp_dir",
    "safe_member_parts",
]

#: Largest total a zip archive may unpack to, in bytes.
MAX_UNZIPPED_BYTES = 2 * 1024**3
#: Most members a zip archive may hold (a zipped Shapefile has 4 to 8).
MAX_ZIP_MEMBERS = 1000
#: Largest ratio of unpacked to packed size for a member bigger than 1 MB.
MAX_COMPRESSION_RATIO = 100

_MB = 1024**2
_RATIO_FLOOR = 1 * _MB  # small members may compress very well legitimately


def safe_member_parts(member_name: str, file: str) -> tuple[str, ...]:
    """Return the parts of a zip member's path, refusing unsafe ones.

    Parameters
    ----------
    member_name : str
        The member's name as stored in the archive.
    file : str
        Archive name for the message.

    Returns
    -------
    tuple of str
        The path's parts (``"a/b.shp"`` gives ``("a", "b.shp")``).

    Raises
    ------
    InputError
        If the path is absolute, has a drive letter, or contains ``..``.
    """
    unified = member_name.replace("\\", "/")
    parts = PurePosixPath(unified).parts
    if (
        not parts
        or unified.startswith("/")
        or ".." in parts
        or ":" in parts[0]
        or "\x00" in unified
    ):
        raise InputError(
            f"The zip file contains an unsafe path {member_name!r} (it points outside "
            "the folder it would be unpacked into)",
            file=file,
            expected="files stored under plain relative names, such as lsoa.shp",
            fix="Re-create the zip from the boundary files only",
        )
    return parts


def check_zip(
    archive: zipfile.ZipFile,
    file: str,
    *,
    max_members: int = MAX_ZIP_MEMBERS,
    max_total: int = MAX_UNZIPPED_BYTES,
    max_ratio: float = MAX_COMPRESSION_RATIO,
) -> list[zipfile.ZipInfo]:
    """Check a zip archive's table of contents before anything is unpacked.

    Parameters
    ----------
    archive : zipfile.ZipFile
        The open archive.
    file : str
        Archive name for messages.
    max_members : int, default :data:`MAX_ZIP_MEMBERS`
        Most members (files and folders) accepted.
    max_total : int, default :data:`MAX_UNZIPPED_BYTES`
        Largest total unpacked size, in bytes.
    max_ratio : float, default :data:`MAX_COMPRESSION_RATIO`
        Largest ratio of unpacked to packed size for any member over 1 MB.

    Returns
    -------
    list of zipfile.ZipInfo
        The file members (folders left out).

    Raises
    ------
    InputError
        Too many members, an unsafe member path, too large a total, or a
        compression ratio typical of a zip bomb.
    """
    infos = archive.infolist()
    if len(infos) > max_members:
        raise InputError(
            f"The zip file holds {len(infos):,} files; at most {max_members:,} are accepted",
            file=file,
            fix="Zip only the files you need (for a Shapefile: .shp, .shx, .dbf, .prj)",
        )
    for info in infos:
        safe_member_parts(info.filename, file)
    members = [m for m in infos if not m.is_dir()]
    total = sum(m.file_size for m in members)
    if total > max_total:
        raise InputError(
            f"The zip file unpacks to {format_size(total)}, more than the "
            f"{format_size(max_total)} accepted",
            file=file,
            fix="Send only the layer or sheet you need",
        )
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > _RATIO_FLOOR and ratio > max_ratio:
            raise InputError(
                f"The zip member {m.filename!r} is compressed {ratio:,.0f} to 1, which is "
                "typical of a 'zip bomb' made to fill the memory of whoever opens it",
                file=file,
                expected=f"a compression ratio of at most {max_ratio:,.0f} to 1",
                fix="If you made this file yourself, unzip it and send the files it holds",
            )
    return members


def extract_zip(
    archive: zipfile.ZipFile,
    members: list[zipfile.ZipInfo],
    dest: Path,
    file: str,
    *,
    max_total: int = MAX_UNZIPPED_BYTES,
) -> list[Path]:
    """Unpack members into ``dest`` (a fresh folder), refusing anything unsafe.

    Parameters
    ----------
    archive : zipfile.ZipFile
        The open archive.
    members : list of zipfile.ZipInfo
        Members to unpack, as returned by :func:`check_zip` (and filtered).
    dest : pathlib.Path
        An existing, empty folder made for this archive (see :func:`fresh_temp_dir`).
    file : str
        Archive name for messages.
    max_total : int, default :data:`MAX_UNZIPPED_BYTES`
        Largest number of bytes written in all; counted as they are written,
        whatever the archive's table of contents claims.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    InputError
        An unsafe path, a damaged archive (bad checksum, bad compressed data,
        unsupported compression or encryption) or too much unpacked data.
    """
    root = dest.resolve()
    written: list[Path] = []
    total = 0
    for member in members:
        parts = safe_member_parts(member.filename, file)
        target = root.joinpath(*parts)
        if root not in target.resolve().parents:
            safe_member_parts("../" + member.filename, file)  # raises the same message
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with archive.open(member) as src, open(target, "wb") as dst:
                while chunk := src.read(_MB):
                    total += len(chunk)
                    if total > max_total:
                        raise InputError(
                            f"The zip file unpacks to more than {format_size(max_total)}",
                            file=file,
                            fix="Send only the layer you need",
                        )
                    dst.write(chunk)
        except InputError:
            raise
        except RuntimeError as exc:  # zipfile: encrypted member
            raise InputError(
                f"The zip member {member.filename!r} is password-protected",
                file=file,
                fix="Zip the files again without a password",
            ) from exc
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError) as exc:
            raise InputError(
                f"The zip file is damaged: {member.filename!r} could not be unpacked "
                f"({type(exc).__name__})",
                file=file,
                fix="Download or copy the zip file again, or re-create it from the original files",
            ) from exc
        written.append(target)
    return written


@contextlib.contextmanager
def fresh_temp_dir(prefix: str = "meam_") -> Iterator[Path]:
    """Make a new, empty, private temporary folder and remove it afterwards.

    Parameters
    ----------
    prefix : str, default "meam_"
        Start of the folder's name.

    Yields
    ------
    pathlib.Path
        The folder (created with mode 0o700 by :func:`tempfile.mkdtemp`).
    """
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


def check_workbook(data: bytes, file: str) -> None:
    """Check an ``.xlsx`` workbook before openpyxl opens it.

    Refuses the workbook unless ``defusedxml`` guards openpyxl's XML parsing
    (:func:`~meam_mapping.io.safety.require_defusedxml`), runs
    :func:`check_zip` over it (a workbook is a zip archive, so it can be a
    zip bomb), and checks every sheet's used range against the budgets of
    :mod:`meam_mapping.io.budgets` (a 5 KB file can claim a cell at
    ``XFD1048576``). A file that is not a zip at all is left for openpyxl to refuse.

    Parameters
    ----------
    data : bytes
        The workbook's contents.
    file : str
        File name for messages.

    Raises
    ------
    InputError
        If defusedxml is missing, or the archive fails :func:`check_zip`.
    """
    require_defusedxml(file)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    with archive:
        check_zip(archive, file)
        for extent in workbook_extents(archive):  # before openpyxl allocates anything
            check_extent(extent, file)
