"""The XLSX/DOCX run stamp copies every member but core.xml as its compressed bytes.

The stamp used to rewrite the whole archive through zipfile, recompressing megabytes of sheet
XML on a national run's critical path. It now copies each member's local entry verbatim and
writes only ``docProps/core.xml`` anew; the stamped core.xml must stay exactly what the
rewrite produced (``_reference`` below is that rewrite, kept as it was), and anything unusual
still goes through the rewrite.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from hotspots.export import _stamps
from hotspots.export._stamps import read_stamp, stamp_file

CORE = "docProps/core.xml"
DC = "http://purl.org/dc/elements/1.1/"


def _reference(path: Path, run_id: str) -> bool:
    """The whole-archive rewrite as it stood before the member copy (the expected result)."""
    tmp = path.with_name(path.name + ".stamp")
    with zipfile.ZipFile(path) as src:
        if "docProps/core.xml" not in src.namelist():
            return False
        with zipfile.ZipFile(tmp, "w") as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename == "docProps/core.xml":
                    text = re.sub(r"<dc:identifier[^>]*>.*?</dc:identifier>", "", data.decode("utf-8"))
                    if "</cp:coreProperties>" not in text:
                        tmp.unlink()
                        return False
                    text = text.replace("</cp:coreProperties>", f'<dc:identifier xmlns:dc="{DC}">{run_id}'
                                                                "</dc:identifier></cp:coreProperties>")
                    data = text.encode("utf-8")
                dst.writestr(info, data, compress_type=info.compress_type)
    tmp.replace(path)
    return True


def _workbook(path: Path, rows: int = 800) -> Path:
    wb = openpyxl.Workbook()
    for s in range(3):
        ws = wb.active if s == 0 else wb.create_sheet()
        ws.title = f"Sheet {s}"
        ws.append(["lsoa", "name", "count", "rate"])
        for r in range(rows):
            ws.append([f"E0{s}{r:06d}", f"Place {r % 97} {s}", r * 7 % 1013, round(r / 7.0, 4)])
    wb.save(path)
    return path


def _document(path: Path) -> Path:
    d = docx.Document()
    d.add_heading("Briefing", level=1)
    for i in range(200):
        d.add_paragraph(f"Paragraph {i}: hotspot {i % 13} saw {i * 3} crimes.")
    table = d.add_table(rows=30, cols=4)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"{r}-{c}"
    d.save(path)
    return path


def _members(path: Path) -> list[tuple[zipfile.ZipInfo, bytes, bytes]]:
    """Each member's ZipInfo, decompressed bytes and compressed bytes, in archive order."""
    out = []
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            nlen, xlen = struct.unpack_from("<2H", raw, info.header_offset + 26)
            at = info.header_offset + 30 + nlen + xlen
            out.append((info, zf.read(info), raw[at:at + info.compress_size]))
    return out


def _check_stamped(original: Path, stamped: Path, run_id: str, tmp_path: Path) -> None:
    """``stamped`` is ``original`` stamped: members copied compressed, core.xml as the rewrite."""
    with zipfile.ZipFile(stamped) as zf:
        assert zf.testzip() is None
    ref = tmp_path / ("ref" + original.suffix)
    ref.write_bytes(original.read_bytes())
    assert _reference(ref, run_id)
    before, after, expected = _members(original), _members(stamped), _members(ref)
    assert [i.filename for i, _, _ in after] == [i.filename for i, _, _ in before]
    for (bi, bdata, braw), (ai, adata, araw), (ei, edata, eraw) in zip(before, after, expected, strict=True):
        assert ai.compress_type == bi.compress_type == ei.compress_type
        assert ai.date_time == bi.date_time and ai.external_attr == bi.external_attr
        assert not ai.flag_bits & 0x08 or ai.filename != CORE
        if ai.filename == CORE:
            assert adata == edata and adata != bdata
            assert ai.CRC == ei.CRC and ai.file_size == ei.file_size
            assert araw == eraw  # same method and level as the rewrite
        else:
            assert adata == bdata and araw == braw and ai.CRC == bi.CRC
            assert ai.compress_size == bi.compress_size
    assert read_stamp(stamped) == run_id
    assert not stamped.with_name(stamped.name + ".stamp").exists()


@pytest.fixture
def rewrites(monkeypatch) -> list[Path]:
    """Records each time the stamp falls back to the whole-archive rewrite."""
    calls: list[Path] = []
    real = _stamps._ooxml_rewrite

    def spy(path: Path, run_id: str) -> bool:
        calls.append(path)
        return real(path, run_id)

    monkeypatch.setattr(_stamps, "_ooxml_rewrite", spy)
    return calls


def test_workbook_members_are_copied_compressed_and_core_is_as_the_rewrite(tmp_path, rewrites):
    book = _workbook(tmp_path / "hotspots.xlsx")
    original = tmp_path / "original.xlsx"
    original.write_bytes(book.read_bytes())
    assert stamp_file(book, "run-2026-abc")
    assert rewrites == []
    _check_stamped(original, book, "run-2026-abc", tmp_path)
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["Sheet 0", "Sheet 1", "Sheet 2"]
    assert wb["Sheet 2"].cell(row=801, column=1).value == "E02000799"
    assert wb["Sheet 1"].max_row == 801


def test_document_is_stamped_by_the_member_copy_and_still_opens(tmp_path, rewrites):
    doc = _document(tmp_path / "briefing.docx")
    original = tmp_path / "original.docx"
    original.write_bytes(doc.read_bytes())
    assert stamp_file(doc, "run-doc-1")
    assert rewrites == []
    _check_stamped(original, doc, "run-doc-1", tmp_path)
    d = docx.Document(str(doc))
    assert d.paragraphs[1].text == "Paragraph 0: hotspot 0 saw 0 crimes."
    assert d.tables[0].cell(29, 3).text == "29-3"


def test_stamping_twice_keeps_one_identifier(tmp_path, rewrites):
    book = _workbook(tmp_path / "hotspots.xlsx", rows=50)
    assert stamp_file(book, "first-run")
    once = tmp_path / "once.xlsx"
    once.write_bytes(book.read_bytes())
    assert stamp_file(book, "second-run")
    assert rewrites == []
    with zipfile.ZipFile(book) as zf:
        core = zf.read(CORE).decode()
    assert core.count("<dc:identifier") == 1 and "first-run" not in core
    assert read_stamp(book) == "second-run"
    _check_stamped(once, book, "second-run", tmp_path)


def test_members_compressed_at_another_level_keep_their_bytes(tmp_path, rewrites):
    """A recompressing rewrite would change these members' bytes; the copy must not."""
    src = _workbook(tmp_path / "src.xlsx", rows=300)
    book = tmp_path / "level9.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info), compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    original = tmp_path / "original.xlsx"
    original.write_bytes(book.read_bytes())
    assert stamp_file(book, "lvl")
    assert rewrites == []
    before = {i.filename: raw for i, _, raw in _members(original)}
    after = {i.filename: raw for i, _, raw in _members(book)}
    sheet = "xl/worksheets/sheet1.xml"
    assert after[sheet] == before[sheet]
    redone = tmp_path / "redone.xlsx"
    redone.write_bytes(original.read_bytes())
    assert _reference(redone, "lvl")
    assert {i.filename: raw for i, _, raw in _members(redone)}[sheet] != before[sheet]  # the test can tell
    assert read_stamp(book) == "lvl"


def test_data_descriptors_are_copied_and_core_loses_its_own(tmp_path, rewrites):
    src = _workbook(tmp_path / "src.xlsx", rows=100)
    buf = io.BytesIO()

    class Unseekable(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, b) -> int:
            return buf.write(b)

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(Unseekable(), "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
    book = tmp_path / "streamed.xlsx"
    book.write_bytes(buf.getvalue())
    with zipfile.ZipFile(book) as zf:
        assert all(i.flag_bits & 0x08 for i in zf.infolist())
    original = tmp_path / "original.xlsx"
    original.write_bytes(book.read_bytes())
    assert stamp_file(book, "dd-run")
    assert rewrites == []
    _check_stamped(original, book, "dd-run", tmp_path)
    with zipfile.ZipFile(book) as zf:
        flags = {i.filename: i.flag_bits for i in zf.infolist()}
    assert not flags[CORE] & 0x08 and all(f & 0x08 for n, f in flags.items() if n != CORE)
    assert openpyxl.load_workbook(book)["Sheet 0"].max_row == 101


def test_stored_core_stays_stored(tmp_path, rewrites):
    src = _workbook(tmp_path / "src.xlsx", rows=20)
    book = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(book, "w") as zout:
        for info in zin.infolist():
            kind = zipfile.ZIP_STORED if info.filename == CORE else zipfile.ZIP_DEFLATED
            zout.writestr(info, zin.read(info), compress_type=kind)
    original = tmp_path / "original.xlsx"
    original.write_bytes(book.read_bytes())
    assert stamp_file(book, "stored-run")
    assert rewrites == []
    _check_stamped(original, book, "stored-run", tmp_path)


def test_a_zip_comment_takes_the_rewrite_and_is_still_right(tmp_path, rewrites):
    book = _workbook(tmp_path / "hotspots.xlsx", rows=100)
    with zipfile.ZipFile(book, "a") as zf:
        zf.comment = b"written by someone"
    original = tmp_path / "original.xlsx"
    original.write_bytes(book.read_bytes())
    assert stamp_file(book, "comment-run")
    assert rewrites == [book]
    _check_stamped(original, book, "comment-run", tmp_path)
    expected = tmp_path / "expected.xlsx"
    expected.write_bytes(original.read_bytes())
    assert _reference(expected, "comment-run")
    assert book.read_bytes() == expected.read_bytes()


def test_bytes_before_the_archive_take_the_rewrite(tmp_path, rewrites):
    book = _workbook(tmp_path / "hotspots.xlsx", rows=30)
    book.write_bytes(b"prefix" + book.read_bytes())
    assert stamp_file(book, "prefixed")
    assert rewrites == [book]
    assert read_stamp(book) == "prefixed"


def test_no_core_properties_is_left_as_written(tmp_path, rewrites):
    bare = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(bare, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    before = bare.read_bytes()
    assert not stamp_file(bare, "x")
    odd = tmp_path / "odd.docx"
    with zipfile.ZipFile(odd, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(CORE, "<notcore/>")
    odd_before = odd.read_bytes()
    assert not stamp_file(odd, "x")
    assert rewrites == []
    assert bare.read_bytes() == before and odd.read_bytes() == odd_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bare.xlsx", "odd.docx"]
