"""Write the evidence pack report as an editable Word document (python-docx).

Same content as the PDF (:mod:`meam_mapping.export.content`), so a partnership
can edit the wording for its bid; the synthetic-data label, when set, is in
the page header of every page and on the title page.
"""

from __future__ import annotations

from pathlib import Path

from meam_mapping.export.content import Bullets, Figure, ReportContent, Table

__all__ = ["write_docx"]


def _shade(cell, colour: str) -> None:  # noqa: ANN001 - python-docx cell
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)


def _table(document, block: Table) -> None:  # noqa: ANN001 - python-docx Document
    from docx.shared import Pt, RGBColor

    document.add_paragraph(block.caption, style="Caption")
    table = document.add_table(rows=1, cols=len(block.header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, block.header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(8)
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        _shade(cell, "1F4E79")
    for row in block.rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).font.size = Pt(8)
    if block.note:
        note = document.add_paragraph(block.note)
        note.runs[0].font.size = Pt(8)


def write_docx(content: ReportContent, path: str | Path) -> Path:
    """Write ``content`` as a DOCX report.

    Parameters
    ----------
    content : ReportContent
        From :func:`meam_mapping.export.content.build_content`.
    path : str or Path
        File to write.

    Returns
    -------
    Path
        The file written.
    """
    from docx import Document
    from docx.shared import Cm, Pt, RGBColor

    path = Path(path)
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    header = section.header.paragraphs[0]
    header.text = content.label or content.subtitle
    if content.label:
        header.runs[0].font.color.rgb = RGBColor(0xB2, 0x18, 0x2B)
        header.runs[0].bold = True
    document.core_properties.title = content.title
    document.core_properties.subject = content.label or content.subtitle
    document.core_properties.author = "MEAM Mapping"

    document.add_heading(content.title, level=0)
    document.add_paragraph(content.subtitle).runs[0].font.size = Pt(14)
    if content.label:
        banner = document.add_paragraph()
        run = banner.add_run(content.label)
        run.bold = True
        run.font.size = Pt(13)
        run.font.color.rgb = RGBColor(0xB2, 0x18, 0x2B)
    document.add_paragraph(f"Produced {content.date} with MEAM Mapping.")
    if content.headline:
        document.add_heading("Headline figures", level=1)
        _table(document, Table("Headline figures", ("What", "Estimate"), content.headline))
    for number, sec in enumerate(content.sections, start=1):
        document.add_heading(f"{number}. {sec.heading}", level=1)
        for block in sec.blocks:
            if isinstance(block, Table):
                _table(document, block)
            elif isinstance(block, Figure):
                document.add_picture(str(block.path), width=Cm(16.5))
                document.add_paragraph(block.caption, style="Caption")
            elif isinstance(block, Bullets):
                for item in block.items:
                    document.add_paragraph(item, style="List Bullet")
            elif block:
                document.add_paragraph(block)
    document.save(str(path))
    return path
