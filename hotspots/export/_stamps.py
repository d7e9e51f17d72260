"""Stamp a written output with its run's id, in the place each format keeps such things.

Done after the writer finished and before the file is renamed to its final name (see
``run_folder``), so a file under a final name always carries the id of the run that wrote it
and the writers need not know about runs. Formats and where the id goes:

- GeoPackage: a ``gpkg_metadata`` row referenced at ``geopackage`` scope (the GeoPackage
  metadata extension, OGC 12-128r18 annex F.8), registered in ``gpkg_extensions``;
- GeoJSON: a foreign member ``hotspots_run_id`` of the FeatureCollection (RFC 7946 s6.1);
- HTML: ``<meta name="hotspots-run-id">`` in the head;
- XLSX/DOCX: ``dc:identifier`` in the package's core properties (ECMA-376 part 2);
- PDF: ``/HotspotsRunId`` in the document information, by an incremental update (ISO 32000 7.5.6);
- PNG: a ``tEXt`` chunk ``hotspots_run_id``;
- GeoTIFF: a GDAL metadata item ``HOTSPOTS_RUN_ID`` (written by rasterio in update mode).

CSV files have no place for it that their readers would not take as data; summary.json's
manifest (size and SHA-256 per file) ties them to the run instead. A format the stamp cannot
parse is left as written: the manifest still identifies it.
"""

from __future__ import annotations

import re
import sqlite3
import struct
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["stamp_file", "read_stamp", "ready_to_stamp"]

_KEY = "hotspots_run_id"


def stamp_file(path: Path, run_id: str) -> bool:
    """Write ``run_id`` into ``path`` (in place); whether the format had a place for it."""
    suffix = path.suffix.lower()
    fn = {".gpkg": _gpkg, ".geojson": _geojson, ".html": _html, ".htm": _html, ".xlsx": _ooxml, ".docx": _ooxml,
          ".pdf": _pdf, ".png": _png, ".tif": _tiff, ".tiff": _tiff}.get(suffix)
    if fn is None:
        return False
    try:
        return bool(fn(path, run_id))
    except (ValueError, OSError, zipfile.BadZipFile, sqlite3.DatabaseError, UnicodeDecodeError, struct.error):
        return False
    except Exception as exc:  # noqa: BLE001 - rasterio's errors; the manifest still names the file
        if type(exc).__module__.startswith("rasterio"):
            return False
        raise


def ready_to_stamp(names: list[str]) -> None:
    """Import what stamping files of these names will need: rasterio for a GeoTIFF (~0.09 s of
    a process that has not read or written one). The exports call it while they wait for the
    child that writes the GeoTIFF, so the stamp, at the commit after the wait, does not pay it."""
    if any(Path(n).suffix.lower() in (".tif", ".tiff") for n in names):
        import rasterio  # noqa: F401 - the import is the work


def read_stamp(path: Path) -> str | None:
    """The run id stamped into ``path`` (for tests and for checking a folder), or None."""
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT metadata FROM gpkg_metadata WHERE md_standard_uri = ?", (_URI,)).fetchall()
        finally:
            con.close()
        m = re.search(r'"hotspots_run_id":\s*"([^"]+)"', rows[-1][0]) if rows else None
        return m.group(1) if m else None
    if suffix in (".tif", ".tiff"):
        import rasterio

        with rasterio.open(path) as ds:
            return ds.tags().get("HOTSPOTS_RUN_ID")
    if suffix in (".xlsx", ".docx"):
        with zipfile.ZipFile(path) as zf:
            text = zf.read("docProps/core.xml").decode("utf-8")
        m = re.search(r"<dc:identifier[^>]*>([^<]+)</dc:identifier>", text)
        return m.group(1) if m else None
    data = path.read_bytes()
    patterns = {".geojson": rb'"hotspots_run_id":\s*"([^"]+)"', ".html": rb'name="hotspots-run-id" content="([^"]+)"',
                ".pdf": rb"/HotspotsRunId \(([^)]+)\)", ".png": rb"hotspots_run_id\x00([\x20-\x7e]{1,80})"}
    pat = patterns.get(".html" if suffix == ".htm" else suffix)
    found = re.findall(pat, data, flags=re.DOTALL) if pat else []
    return found[-1].decode() if found else None


_URI = "https://hotspots.invalid/run-id"
_DC = "http://purl.org/dc/elements/1.1/"


def _gpkg(path: Path, run_id: str) -> bool:
    con = sqlite3.connect(path)
    try:
        with con:
            con.execute("""CREATE TABLE IF NOT EXISTS gpkg_metadata (
                id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL, md_scope TEXT NOT NULL DEFAULT 'dataset',
                md_standard_uri TEXT NOT NULL, mime_type TEXT NOT NULL DEFAULT 'text/xml',
                metadata TEXT NOT NULL DEFAULT '')""")
            con.execute("""CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (
                reference_scope TEXT NOT NULL, table_name TEXT, column_name TEXT, row_id_value INTEGER,
                timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                md_file_id INTEGER NOT NULL, md_parent_id INTEGER,
                CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
                CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id))""")
            has_ext = con.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_extensions'").fetchone()
            if has_ext:
                for table in ("gpkg_metadata", "gpkg_metadata_reference"):
                    if not con.execute("SELECT 1 FROM gpkg_extensions WHERE table_name = ? AND extension_name = "
                                       "'gpkg_metadata'", (table,)).fetchone():
                        con.execute("INSERT INTO gpkg_extensions VALUES (?, NULL, 'gpkg_metadata', "
                                    "'http://www.geopackage.org/spec120/#extension_metadata', 'read-write')",
                                    (table,))
            cur = con.execute("INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) "
                              "VALUES ('dataset', ?, 'application/json', ?)", (_URI, f'{{"{_KEY}": "{run_id}"}}'))
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            con.execute("INSERT INTO gpkg_metadata_reference (reference_scope, timestamp, md_file_id) "
                        "VALUES ('geopackage', ?, ?)", (stamp, cur.lastrowid))
    finally:
        con.close()
    return True


def _geojson(path: Path, run_id: str) -> bool:
    data = path.read_bytes()
    at = data.find(b"{")
    if at < 0 or data[at + 1:].lstrip()[:1] == b"}":
        return False
    path.write_bytes(data[:at + 1] + f'\n"{_KEY}": "{run_id}",'.encode() + data[at + 1:])
    return True


def _html(path: Path, run_id: str) -> bool:
    text = path.read_text(encoding="utf-8")
    m = re.search(r"<head[^>]*>", text, flags=re.IGNORECASE)
    if not m:
        return False
    tag = f'\n<meta name="hotspots-run-id" content="{run_id}">'
    path.write_text(text[:m.end()] + tag + text[m.end():], encoding="utf-8")
    return True


def _ooxml(path: Path, run_id: str) -> bool:
    """Stamp an XLSX/DOCX, copying every member but the core properties as its compressed bytes.

    A national workbook holds megabytes of sheet XML: recompressing it all to change one small
    member cost ~0.6 s of zlib on the run's critical path. The archive is read from its end
    record and central directory; each member's local header and data (and data descriptor) is
    copied byte for byte, ``docProps/core.xml`` is written anew (same method, flag bit 3
    cleared) and the central directory is rewritten with the new offsets. Anything this layout
    check does not recognise (ZIP64, a comment, several disks, duplicate names, gaps, encryption)
    goes through the plain zipfile rewrite instead, which gives the same members.
    """
    data = path.read_bytes()
    parts = _ooxml_parts(data, run_id)
    if parts is None:
        return _ooxml_rewrite(path, run_id)
    if parts is False:
        return False
    tmp = path.with_name(path.name + ".stamp")
    try:
        with tmp.open("wb") as fh:
            fh.writelines(parts)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


_CORE = b"docProps/core.xml"
_EOCD = struct.Struct("<4s4H2LH")  # signature, disk, cd disk, entries here, entries, cd size, cd offset, comment
_CDH = struct.Struct("<4s6H3L5H2L")  # central directory file header, 46 bytes
_LFH = struct.Struct("<4s5H3L2H")  # local file header, 30 bytes
_FULL = 0xFFFFFFFF


def _stamped_core(raw: bytes, run_id: str) -> bytes | None:
    """core.xml with one ``dc:identifier`` holding ``run_id`` (None: not core properties)."""
    text = re.sub(r"<dc:identifier[^>]*>.*?</dc:identifier>", "", raw.decode("utf-8"))
    if "</cp:coreProperties>" not in text:
        return None
    return text.replace("</cp:coreProperties>", f'<dc:identifier xmlns:dc="{_DC}">{run_id}'
                                                "</dc:identifier></cp:coreProperties>").encode("utf-8")


def _ooxml_parts(data: bytes, run_id: str) -> list[bytes | memoryview] | bool | None:
    """The stamped archive as byte pieces; False: no core properties; None: take the rewrite."""
    end_at = len(data) - _EOCD.size
    if end_at < 0:
        return None
    sig, disk, cd_disk, n_here, n, cd_size, cd_at, comment = _EOCD.unpack_from(data, end_at)
    if (sig != b"PK\x05\x06" or disk or cd_disk or comment or n_here != n or n in (0, 0xFFFF)
            or cd_at in (0, _FULL) or cd_at + cd_size != end_at):
        return None
    view = memoryview(data)
    heads: list[list] = []
    tails: list[memoryview] = []
    names: list[bytes] = []
    at = cd_at
    for _ in range(n):
        head = list(_CDH.unpack_from(data, at))
        nlen = head[10]
        stop = at + _CDH.size + nlen + head[11] + head[12]
        if head[0] != b"PK\x01\x02" or stop > end_at or head[13] or head[3] & 0x41 or _FULL in head[8:10] \
                or head[16] == _FULL:
            return None
        heads.append(head)
        names.append(data[at + _CDH.size:at + _CDH.size + nlen])
        tails.append(view[at + _CDH.size:stop])
        at = stop
    if at != end_at or len(set(names)) != n:
        return None
    if _CORE not in names:
        return False
    offsets = [h[16] for h in heads] + [cd_at]
    if offsets[0] != 0:
        return None
    parts: list[bytes | memoryview] = []
    new_at = 0
    for i, head in enumerate(heads):
        start, span = offsets[i], offsets[i + 1] - offsets[i]
        if span < _LFH.size:
            return None
        local = _LFH.unpack_from(data, start)
        body = start + _LFH.size + local[9] + local[10]
        rest = offsets[i + 1] - (body + head[8])
        if (local[0] != b"PK\x03\x04" or data[start + _LFH.size:start + _LFH.size + local[9]] != names[i]
                or local[3] != head[4] or rest < 0 or (rest and not (head[3] & 0x08 and rest in (12, 16)))):
            return None
        head[16] = new_at
        if names[i] == _CORE:
            piece = _core_member(data, local, head, body, run_id)
            if piece is None or piece is False:
                return piece
            parts.append(piece)
            new_at += len(piece)
        else:
            parts.append(view[start:offsets[i + 1]])
            new_at += span
    if new_at >= _FULL:
        return None
    parts.extend(_CDH.pack(*head) + bytes(tail) for head, tail in zip(heads, tails, strict=True))
    parts.append(_EOCD.pack(b"PK\x05\x06", 0, 0, n, n, cd_size, new_at, 0))
    return parts


def _core_member(data: bytes, local: tuple, head: list, body: int, run_id: str) -> bytes | bool | None:
    """core.xml's new local entry, its central directory fields patched in ``head`` in place."""
    method, csize, usize, crc = head[4], head[8], head[9], head[7]
    if method not in (0, 8):
        return None
    raw = data[body:body + csize]
    if method == 8:
        try:
            raw = zlib.decompressobj(-15).decompress(raw)
        except zlib.error:
            return None  # the rewrite reports it as it always did
    if len(raw) != usize or zlib.crc32(raw) != crc:
        return None
    new = _stamped_core(raw, run_id)
    if new is None:
        return False
    packed = new
    if method == 8:
        co = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        packed = co.compress(new) + co.flush()
    crc = zlib.crc32(new)
    head[3] &= ~0x08
    head[7:10] = [crc, len(packed), len(new)]
    name_extra = data[body - local[9] - local[10]:body]
    return _LFH.pack(b"PK\x03\x04", local[1], local[2] & ~0x08, method, local[4], local[5], crc, len(packed),
                     len(new), local[9], local[10]) + name_extra + packed


def _ooxml_rewrite(path: Path, run_id: str) -> bool:
    """The whole-archive zipfile rewrite, for archives the member copy does not take on."""
    tmp = path.with_name(path.name + ".stamp")
    with zipfile.ZipFile(path) as src:
        if "docProps/core.xml" not in src.namelist():
            return False
        with zipfile.ZipFile(tmp, "w") as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename == "docProps/core.xml":
                    stamped = _stamped_core(data, run_id)
                    if stamped is None:
                        dst.close()
                        tmp.unlink()
                        return False
                    data = stamped
                dst.writestr(info, data, compress_type=info.compress_type)
    tmp.replace(path)
    return True


def _pdf(path: Path, run_id: str) -> bool:
    data = path.read_bytes()
    tail = data[-4096:]
    sx = re.findall(rb"startxref\s+(\d+)", tail)
    trailers = re.findall(rb"trailer\s*<<(.*?)>>\s*startxref", data[-65536:], flags=re.DOTALL)
    if not sx or not trailers:
        return False
    trailer = trailers[-1]
    size = re.search(rb"/Size\s+(\d+)", trailer)
    root = re.search(rb"/Root\s+(\d+\s+\d+\s+R)", trailer)
    if not size or not root:
        return False
    entries = b""
    info = re.search(rb"/Info\s+(\d+)\s+(\d+)\s+R", trailer)
    if info:
        old = re.search(rb"\n" + info.group(1) + rb"\s+" + info.group(2) + rb"\s+obj\s*<<(.*?)>>\s*endobj",
                        data, flags=re.DOTALL)
        if old:
            entries = old.group(1).strip()
    n = int(size.group(1))
    body = b"\n" if not data.endswith(b"\n") else b""
    obj_at = len(data) + len(body)
    body += f"{n} 0 obj\n<< ".encode() + entries + f" /HotspotsRunId ({run_id}) >>\nendobj\n".encode()
    xref_at = len(data) + len(body)
    body += (f"xref\n{n} 1\n{obj_at:010d} 00000 n \ntrailer\n<< /Size {n + 1} /Root ".encode() + root.group(1)
             + f" /Info {n} 0 R /Prev {int(sx[-1])} >>\nstartxref\n{xref_at}\n%%EOF\n".encode())
    with path.open("ab") as fh:
        fh.write(body)
    return True


def _png(path: Path, run_id: str) -> bool:
    data = path.read_bytes()
    end = data.rfind(b"IEND")
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or end < 4:
        return False
    payload = b"tEXt" + _KEY.encode() + b"\x00" + run_id.encode("latin-1")
    chunk = struct.pack(">I", len(payload) - 4) + payload + struct.pack(">I", zlib.crc32(payload) & 0xFFFFFFFF)
    path.write_bytes(data[:end - 4] + chunk + data[end - 4:])
    return True


def _tiff(path: Path, run_id: str) -> bool:
    import rasterio

    with rasterio.open(path, "r+") as ds:
        ds.update_tags(HOTSPOTS_RUN_ID=run_id)
    return True
