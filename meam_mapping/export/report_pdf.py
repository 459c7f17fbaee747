"""Write the evidence pack report as PDF (reportlab platypus).

The PDF is written uncompressed and "invariant" (no creation time or random
document id), so the same analysis gives the same file and the text can be
checked by reading the file itself.
"""

from __future__ import annotations

import html
from pathlib import Path

from meam_mapping.export.content import Bullets, Figure, ReportContent, Table

__all__ = ["write_pdf"]

_ACCENT = "#1f4e79"
_LABEL = "#b2182b"


def _esc(text: str) -> str:
    return html.escape(str(text), quote=False)


def _styles() -> dict:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    base = getSampleStyleSheet()
    accent = colors.HexColor(_ACCENT)
    return {
        "title": ParagraphStyle("t", parent=base["Title"], fontSize=26, leading=31,
                                textColor=accent, alignment=0, spaceAfter=8),
        "subtitle": ParagraphStyle("s", parent=base["Normal"], fontSize=14, leading=18,
                                   textColor=colors.HexColor("#444444"), spaceAfter=18),
        "h1": ParagraphStyle("h1", parent=base["Heading1"], fontSize=16, leading=20,
                             textColor=accent, spaceBefore=6, spaceAfter=8),
        "body": ParagraphStyle("b", parent=base["BodyText"], fontSize=9.5, leading=13,
                               spaceAfter=6),
        "small": ParagraphStyle("sm", parent=base["BodyText"], fontSize=7.5, leading=9.5,
                                textColor=colors.HexColor("#555555"), spaceAfter=8),
        "cell": ParagraphStyle("c", parent=base["BodyText"], fontSize=7.8, leading=9.5),
        "head": ParagraphStyle("hd", parent=base["BodyText"], fontSize=7.8, leading=9.5,
                               textColor=colors.white, fontName="Helvetica-Bold"),
        "caption": ParagraphStyle("cap", parent=base["BodyText"], fontSize=9, leading=11,
                                  fontName="Helvetica-Bold", spaceBefore=4, spaceAfter=3),
        "label": ParagraphStyle("l", parent=base["BodyText"], fontSize=13, leading=16,
                                textColor=colors.white, fontName="Helvetica-Bold"),
    }  # fmt: skip


def _table(block: Table, styles: dict, width: float) -> list:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Spacer, TableStyle
    from reportlab.platypus import Table as RLTable

    data = [[Paragraph(_esc(h), styles["head"]) for h in block.header]]
    data += [[Paragraph(_esc(c), styles["cell"]) for c in row] for row in block.rows]
    table = RLTable(
        data, repeatRows=1, hAlign="LEFT", colWidths=[width / len(block.header)] * len(block.header)
    )
    commands = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(_ACCENT)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for i in range(2, len(data), 2):
        commands.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f2f5f9")))
    table.setStyle(TableStyle(commands))
    from reportlab.platypus import KeepTogether

    out = [Paragraph(_esc(block.caption), styles["caption"]), table]
    if block.note:
        out.append(Paragraph(_esc(block.note), styles["small"]))
    out.append(Spacer(1, 6))
    return [KeepTogether(out)] if len(block.rows) <= 15 else out


def _figure(block: Figure, styles: dict, width: float, height: float) -> list:
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, KeepTogether, Paragraph

    w, h = ImageReader(str(block.path)).getSize()
    scale = min(width / w, height / h)
    image = Image(str(block.path), width=w * scale, height=h * scale)
    return [KeepTogether([image, Paragraph(_esc(block.caption), styles["small"])])]


def _label_box(label: str, styles: dict, width: float):  # noqa: ANN202 - reportlab Table
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as RLTable

    box = RLTable([[Paragraph(_esc(label), styles["label"])]], colWidths=[width])
    box.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(_LABEL)),
                             ("TOPPADDING", (0, 0), (-1, -1), 8),
                             ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                             ("LEFTPADDING", (0, 0), (-1, -1), 10)]))  # fmt: skip
    return box


def write_pdf(content: ReportContent, path: str | Path) -> Path:
    """Write ``content`` as an A4 PDF report.

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
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as RLTable

    path = Path(path)
    styles = _styles()
    doc = SimpleDocTemplate(
        str(path), pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm,
        bottomMargin=2 * cm, title=content.title, author="MEAM Mapping",
        subject=content.label or content.subtitle, invariant=1, pageCompression=0,
    )  # fmt: skip
    width = doc.width
    story: list = [Spacer(1, 3 * cm), Paragraph(_esc(content.title), styles["title"]),
                   Paragraph(_esc(content.subtitle), styles["subtitle"])]  # fmt: skip
    if content.label:
        story += [_label_box(content.label, styles, width), Spacer(1, 12)]
    story.append(Paragraph(f"Produced {_esc(content.date)} with MEAM Mapping.", styles["body"]))
    story.append(Spacer(1, 18))
    if content.headline:
        rows = [[Paragraph(_esc(k), styles["body"]), Paragraph(f"<b>{_esc(v)}</b>", styles["body"])]
                for k, v in content.headline]  # fmt: skip
        box = RLTable(rows, colWidths=[width * 0.55, width * 0.45])
        box.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#cccccc")),
                                 ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))  # fmt: skip
        story += [Paragraph("Headline figures", styles["h1"]), box]
    for number, section in enumerate(content.sections, start=1):
        story += [PageBreak() if number in (1, 3, 4, 6) else Spacer(1, 12),
                  Paragraph(f"{number}. {_esc(section.heading)}", styles["h1"])]  # fmt: skip
        for block in section.blocks:
            if isinstance(block, Table):
                story += _table(block, styles, width)
            elif isinstance(block, Figure):
                story += _figure(block, styles, width, doc.height * 0.62)
            elif isinstance(block, Bullets):
                story += [Paragraph(f"• {_esc(item)}", styles["body"]) for item in block.items]
            elif block:
                story.append(Paragraph(_esc(block), styles["body"]))

    def footer(canvas, document) -> None:  # noqa: ANN001 - reportlab callback
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor(_LABEL if content.label else "#555555"))
        canvas.drawString(2 * cm, 1.2 * cm, content.label or content.subtitle)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, f"Page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return path
