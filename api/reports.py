"""The yearly report's presentation: the figures as labelled tables (page, PDF, XLSX, CSV), the charts as SVG
(pygal, without its script: a static image), and the shared checks of the report's API and pages.

The charts are `data:` images (the pages' policy allows `img-src data:`; WeasyPrint renders them in the PDF),
each with its table beside it as the text alternative."""

from __future__ import annotations

import base64
import csv
import io
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import pygal
from openpyxl import Workbook
from openpyxl.styles import Font
from pygal.style import Style

from db.statistics import DAY_BANDS
from domain.dates_id import MONTHS
from domain.status_labels import value_label

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
MONTH_SHORT = [m[:3] for m in MONTHS]
# Working days to answer, in the bands of the law (db/statistics.py DAY_BANDS): within T1 (Pasal 22(7)),
# within T1 + T2 with the extension (Pasal 22(8)), later.
CHART_STYLE = Style(
    background="white", plot_background="white", foreground="#222", foreground_strong="#111",
    foreground_subtle="#666", colors=("#1f5f8b",), font_family="DejaVu Sans, sans-serif",
    label_font_size=13, major_label_font_size=13, title_font_size=15, value_font_size=12,
)  # fmt: skip


def _static_svg(svg: str) -> str:
    """pygal's SVG without its `<script>` (tooltips) and comments: a static picture."""
    root = ET.fromstring(svg)
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (f"{{{SVG_NS}}}script", "script"):
                parent.remove(child)
    return ET.tostring(root, encoding="unicode")


def bar_chart(title: str, labels: list[str], values: list[int], *, x_title: str, y_title: str) -> str:
    chart = pygal.Bar(
        js=[], show_legend=False, width=720, height=320, style=CHART_STYLE, title=title, x_title=x_title,
        y_title=y_title, print_values=True, disable_xml_declaration=True, tooltip_border_radius=0,
        show_y_guides=True, explicit_size=False,
    )  # fmt: skip
    chart.x_labels = labels
    top = max([int(v) for v in values] + [1])
    step = max(1, math.ceil(top / 5))
    chart.y_labels = list(range(0, top + step, step))  # whole requests, never 0.4 of one
    chart.add(y_title, [int(v) for v in values])
    return _static_svg(chart.render(is_unicode=True))


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def day_bands(histogram: dict[str, int]) -> list[tuple[str, int]]:
    counts = {label: 0 for label, _, _ in DAY_BANDS}
    for days_text, count in histogram.items():
        days = int(days_text)
        for label, low, high in DAY_BANDS:
            if low <= days <= high:
                counts[label] += int(count)
    return list(counts.items())


def charts(figures: dict[str, Any]) -> dict[str, Any]:
    """The two charts of the report as data: URIs, with the rows of their text alternative. A count the
    public view suppressed (None) is drawn as 0 and written "-" in the table."""
    months: list[int | None] = list(figures.get("monthly_requests") or [0] * 12)
    published = figures.get("day_bands")  # the public view's bands, suppressed with the other figures
    bands: list[tuple[str, int | None]] = (
        [(label, count) for label, count in published]
        if published
        else [*day_bands(figures.get("days_histogram") or {})]
    )
    monthly = bar_chart("Permohonan informasi per bulan", MONTH_SHORT, [m or 0 for m in months], x_title="Bulan",
                        y_title="Permohonan")  # fmt: skip
    days = bar_chart("Waktu menjawab (hari kerja)", [b for b, _ in bands], [c or 0 for _, c in bands],
                     x_title="Hari kerja sampai pemberitahuan tertulis", y_title="Permohonan")  # fmt: skip
    return {
        "monthly": {
            "src": data_uri(monthly),
            "rows": [(m, _num(c)) for m, c in zip(MONTHS, months, strict=True)],
        },
        "days": {"src": data_uri(days), "rows": [(b, _num(c)) for b, c in bands]},
    }


@dataclass
class FigureTable:
    title: str
    headers: tuple[str, str]
    rows: list[tuple[str, Any]]
    section: str  # 3: service, 4: disputes (Perki 1/2021 Pasal 56)


@dataclass(frozen=True)
class Figure:
    """A measure that is not a whole count (a mean, a median, a share): written the Indonesian way on the
    pages, the PDF and the CSV (`6,77`, `71,4%`), stored as the number with its number format in the
    spreadsheet, so that it can be computed with."""

    value: float
    text: str
    number_format: str

    def __str__(self) -> str:
        return self.text


def _share(value: Any) -> Any:
    if value is None:
        return "-"
    return Figure(float(value), f"{float(value) * 100:.1f}%".replace(".", ","), "0.0%")


def _num(value: Any) -> Any:
    if value is None:
        return "-"
    if isinstance(value, float):
        return Figure(value, f"{value:g}".replace(".", ","), "0.0#")
    return value


def _breakdown(cells: dict[str, Any] | None, kind: str | None = None) -> list[tuple[str, Any]]:
    if not cells:
        return [("(tidak ada)", 0)]
    return [(value_label(kind, key) if kind else key, _num(count)) for key, count in cells.items()]


def figure_tables(figures: dict[str, Any]) -> list[FigureTable]:
    """The figures of sections 3 and 4 of the report, as two-column tables with Indonesian labels."""
    req, days = figures.get("requests") or {}, figures.get("days_to_answer") or {}
    obj, dis = figures.get("objections") or {}, figures.get("disputes") or {}
    breaches = figures.get("breaches") or {}
    answer = obj.get("days_to_response") or {}
    t4 = obj.get("t4_breaches") or {}
    article = {k: v for k, v in (figures.get("refusals_by_article") or {}).items()}
    return [
        FigureTable("Ringkasan layanan permohonan", ("Uraian", "Jumlah"), [
            ("Permohonan informasi diterima", _num(req.get("total"))),
            ("Sudah dijawab (pemberitahuan tertulis)", _num(req.get("decided"))),
            ("Masih dalam tenggat", _num(req.get("pending"))),
            ("Tidak ditanggapi sampai tenggat", _num(req.get("unanswered"))),
            ("Diperpanjang (Pasal 22 ayat (8))", _num(figures.get("extensions"))),
            ("Melewati tenggat T1/T2 (dijawab terlambat atau tidak ditanggapi)", _num(figures.get("overdue"))),
            ("Dijawab terlambat", _num(breaches.get("decided_late"))),
        ], "3"),
        FigureTable("Waktu menjawab (hari kerja)", ("Ukuran", "Nilai"), [
            ("Permohonan yang dijawab", _num(days.get("count"))),
            ("Rata-rata", _num(days.get("mean"))), ("Median", _num(days.get("median"))),
            ("Persentil ke-90", _num(days.get("p90"))),
            ("Dijawab dalam 10 hari kerja (Pasal 22 ayat (7))", _share(figures.get("within_10_days"))),
            ("Dijawab dalam 17 hari kerja (Pasal 22 ayat (8))", _share(figures.get("within_17_days"))),
        ], "3"),
        FigureTable("Permohonan menurut saluran", ("Saluran", "Jumlah"),
                    _breakdown(req.get("by_channel"), "channel"), "3"),
        FigureTable("Permohonan menurut jenis pemohon", ("Jenis pemohon", "Jumlah"),
                    _breakdown(req.get("by_requester_kind"), "requester_kind"), "3"),
        FigureTable("Keputusan PPID", ("Keputusan", "Jumlah"), _breakdown(req.get("by_outcome"), "decision"), "3"),
        FigureTable("Alasan penolakan (Pasal 17)", ("Dasar pengecualian", "Jumlah"),
                    [(f"Pasal {k[:2]} huruf {k[2:]}" if len(k) > 2 else k, _num(v)) for k, v in article.items()]
                    or [("(tidak ada)", 0)], "3"),
        FigureTable("Alasan perpanjangan", ("Alasan", "Jumlah"), _breakdown(figures.get("extension_reasons")), "3"),
        FigureTable("Keberatan (Pasal 35–36)", ("Uraian", "Jumlah"), [
            ("Keberatan diajukan", _num(obj.get("total"))),
            *[(f"Alasan huruf {k}", _num(v)) for k, v in (obj.get("by_reason") or {}).items()],
            ("Median hari kerja sampai tanggapan Atasan PPID", _num(answer.get("median"))),
            ("Melewati tenggat T4 (30 hari kerja)", _num(t4.get("total"))),
            *[(value_label("answer", k), _num(v)) for k, v in (obj.get("by_outcome") or {}).items()],
        ], "4"),
        FigureTable("Sengketa informasi (Pasal 37–48)", ("Uraian", "Jumlah"), [
            ("Sengketa diajukan ke Komisi Informasi", _num(dis.get("total"))),
            *[(f"Tahap: {value_label('stage', k)}", _num(v)) for k, v in (dis.get("by_stage") or {}).items()
              if k != "none"],
            *[(value_label("dispute_outcome", k) if k != "pending" else "Belum diputus", _num(v))
              for k, v in (dis.get("by_outcome") or {}).items()],
            ("Keberatan ke pengadilan (Pasal 47–48)", _num(dis.get("court"))),
        ], "4"),
    ]  # fmt: skip


def _sheet_title(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "", text)[:31]


def xlsx_bytes(tables: list[FigureTable], charts_rows: dict[str, Any], title: str) -> bytes:
    """One sheet per table (numbers as numbers), plus the charts' data."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    bold = Font(bold=True)
    extra = [
        FigureTable("Permohonan per bulan", ("Bulan", "Permohonan"), charts_rows["monthly"]["rows"], "3"),
        FigureTable(
            "Waktu menjawab per rentang", ("Hari kerja", "Permohonan"), charts_rows["days"]["rows"], "3"
        ),
    ]
    for table in [*tables, *extra]:
        sheet = book.create_sheet(_sheet_title(table.title))
        sheet.append([title])
        sheet.append([table.title])
        sheet.append(list(table.headers))
        for cell in sheet[3]:
            cell.font = bold
        for label, value in table.rows:
            if isinstance(value, Figure):
                sheet.append([label, value.value])
                sheet.cell(row=sheet.max_row, column=2).number_format = value.number_format
            else:
                sheet.append([label, value])
        sheet.column_dimensions["A"].width = 70
        sheet.column_dimensions["B"].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(tables: list[FigureTable], charts_rows: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["bagian", "tabel", "uraian", "nilai"])
    for table in tables:
        for label, value in table.rows:
            writer.writerow([table.section, table.title, label, value])
    for name, key in (("Permohonan per bulan", "monthly"), ("Waktu menjawab per rentang", "days")):
        for label, value in charts_rows[key]["rows"]:
            writer.writerow(["3", name, label, value])
    return out.getvalue()
