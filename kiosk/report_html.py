"""The HTML report: one self-contained file (inline CSS and SVG charts), readable offline, printable on A4."""
from __future__ import annotations

from html import escape

from kiosk.i18n import t
from kiosk.reports import SURVEY_ELEMENTS, Report, column_label, survey_refusal_label

CSS = """
@page { size: A4; margin: 12mm; }
@page wide { size: A4 landscape; margin: 10mm; }
body { font-family: 'DejaVu Sans', Arial, sans-serif; color: #111827; margin: 24px; font-size: 12px; }
h1 { font-size: 22px; margin: 0 0 4px; color: #0B2545; }
h2 { font-size: 16px; margin: 24px 0 8px; color: #0B2545; border-bottom: 2px solid #0B2545; padding-bottom: 2px; }
.sub { color: #374151; margin-bottom: 16px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { border: 1px solid #CBD5E1; border-radius: 6px; padding: 10px 14px; min-width: 130px; }
.card b { display: block; font-size: 22px; color: #0B2545; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 11px; }
th, td { border: 1px solid #CBD5E1; padding: 3px 6px; text-align: right; }
td.l { overflow-wrap: break-word; }
td.l:first-child { white-space: nowrap; }   /* a day or a month never breaks at its hyphens */
th { background: #E8EEF7; vertical-align: bottom; font-weight: bold; }
th .en { display: block; font-weight: normal; color: #374151; }
.note { border-left: 4px solid #8B1E1E; background: #FDF2F2; padding: 6px 10px; margin: 6px 0; }
td.l, th.l { text-align: left; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
svg text { font-family: 'DejaVu Sans', Arial, sans-serif; }
section { break-inside: avoid; }
@media print {
  body { margin: 0; font-size: 10px; }
  .pb { break-before: page; }
  .wide { page: wide; }                   /* the wide tables print on landscape pages, every column whole */
  table { font-size: 7.5px; table-layout: auto; }
  th, td { padding: 2px 3px; }
  thead { display: table-header-group; }  /* the header row again on every page of a long table */
  tr { break-inside: avoid; }
  section { break-inside: auto; }
}
"""


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}"
    return escape(str(value))


def _table(table, columns=None, max_rows=None) -> str:
    columns = columns or table.columns
    idx = [table.columns.index(c) for c in columns]
    rows = table.rows[:max_rows] if max_rows else table.rows
    texts = {j for j, i in enumerate(idx) if j == 0 or (rows and isinstance(rows[0][i], str))}
    head = "".join(f"<th class='{'l' if j in texts else ''}' data-column='{escape(c)}'>{_head(c)}</th>"
                   for j, c in enumerate(columns))
    body = "".join(
        "<tr>" + "".join(f"<td class='{'l' if j == 0 or isinstance(row[i], str) else ''}'>{_fmt(row[i])}</td>"
                         for j, i in enumerate(idx)) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _head(column: str) -> str:
    """A column's name for people, Indonesian over English (the machine name is the cell's data-column)."""
    id_, en = column_label(column, "id"), column_label(column, "en")
    return escape(id_) if id_ == en else f"{escape(id_)}<span class='en'>{escape(en)}</span>"


def _sample_notes(skm) -> str:
    """One note per IKM that rests on fewer respondents than PermenPANRB 14/2017's sample asks for."""
    col = {name: i for i, name in enumerate(skm.columns)}
    notes = []
    for row in skm.rows:
        respondents, needed, population = row[col["respondents"]], row[col["sample_needed"]], row[col["served"]]
        if respondents < needed:
            fields = {"respondents": respondents, "needed": needed, "population": population}
            notes.append(f"<p class='note'><b>{escape(str(row[col['agency']]))}</b>: "
                         f"{escape(t('report.sample_note', 'id', **fields))}<br>"
                         f"<i>{escape(t('report.sample_note', 'en', **fields))}</i></p>")
    return "".join(notes)


def bar_chart(labels: list[str], values: list[float], *, width=700, height=220, colour="#0B4F8A", unit="") -> str:
    """A vertical bar chart as inline SVG."""
    if not values:
        return "<p>–</p>"
    top = max(values) or 1
    left, bottom, inner_h = 40, 40, height - 60
    step = (width - left - 10) / len(values)
    bars = []
    for i, (label, value) in enumerate(zip(labels, values)):
        h = inner_h * value / top
        x = left + i * step
        bars.append(
            f"<rect x='{x + step * 0.1:.1f}' y='{height - bottom - h:.1f}' width='{step * 0.8:.1f}' height='{h:.1f}' "
            f"fill='{colour}'><title>{escape(label)}: {value:g}{unit}</title></rect>")
        if len(values) <= 16 or i % max(1, len(values) // 12) == 0:
            bars.append(f"<text x='{x + step / 2:.1f}' y='{height - bottom + 14}' font-size='9' text-anchor='middle'>"
                        f"{escape(label)}</text>")
    axis = (f"<line x1='{left}' y1='{height - bottom}' x2='{width - 10}' y2='{height - bottom}' stroke='#111827'/>"
            f"<text x='{left - 4}' y='{height - bottom - inner_h + 4}' font-size='9' text-anchor='end'>{top:g}</text>"
            f"<text x='{left - 4}' y='{height - bottom}' font-size='9' text-anchor='end'>0</text>")
    return f"<svg viewBox='0 0 {width} {height}' width='100%' role='img'>{axis}{''.join(bars)}</svg>"


def heat_map(table) -> str:
    hours = table.columns[1:]
    peak = max((max(row[1:]) for row in table.rows), default=0) or 1
    cell_w, cell_h, left, top = 46, 16, 80, 20
    width, height = left + cell_w * len(hours) + 10, top + cell_h * len(table.rows) + 10
    parts = [f"<text x='{left + i * cell_w + cell_w / 2}' y='14' font-size='9' text-anchor='middle'>{h}</text>"
             for i, h in enumerate(hours)]
    for r, row in enumerate(table.rows):
        y = top + r * cell_h
        parts.append(f"<text x='{left - 6}' y='{y + 12}' font-size='9' text-anchor='end'>{escape(row[0])}</text>")
        for c, count in enumerate(row[1:]):
            share = count / peak
            # from pale blue to dark navy; the number is white on dark cells for contrast
            red, green, blue = int(232 - share * 221), int(238 - share * 201), int(247 - share * 178)
            ink = "#FFFFFF" if share > 0.5 else "#111827"
            x = left + c * cell_w
            parts.append(f"<rect x='{x}' y='{y}' width='{cell_w - 1}' height='{cell_h - 1}' "
                         f"fill='rgb({red},{green},{blue})'/>")
            if count:
                parts.append(f"<text x='{x + cell_w / 2}' y='{y + 12}' font-size='9' text-anchor='middle' "
                             f"fill='{ink}'>{count}</text>")
    return f"<svg viewBox='0 0 {width} {height}' width='100%' role='img'>{''.join(parts)}</svg>"


def _survey_honesty(report: Report) -> str:
    """Refused surveys by reason, and counters flagged for surveys in bursts: nothing when there are none."""
    refusals, bursts = report.tables.get("survey_refusals"), report.tables.get("survey_bursts")
    parts = []
    if refusals and refusals.rows:
        by_reason: dict[str, int] = {}
        for row in refusals.rows:
            by_reason[row[5]] = by_reason.get(row[5], 0) + row[6]
        lines = "".join(
            f"<tr><td class='l'>{escape(reason)}</td><td class='l'>{escape(survey_refusal_label(reason, 'id'))}"
            f"</td><td class='l'>{escape(survey_refusal_label(reason, 'en'))}</td><td>{count}</td></tr>"
            for reason, count in sorted(by_reason.items(), key=lambda item: (-item[1], item[0])))
        parts.append(
            "<section><h2>Survei ditolak (tidak masuk IKM) / Refused surveys (not in the IKM)</h2>"
            "<table><thead><tr><th class='l'>reason</th><th class='l'>Indonesia</th><th class='l'>English</th>"
            f"<th>refused</th></tr></thead><tbody>{lines}</tbody></table>{_table(refusals)}</section>")
    if bursts and bursts.rows:
        parts.append(
            "<section><h2>Periksa: survei beruntun per loket / Check: surveys in bursts per counter</h2>"
            "<p>Banyak survei untuk satu loket dalam waktu singkat; survei tetap dihitung dalam IKM, tetapi perlu "
            "diperiksa. / Many surveys for one counter within a short time; they count in the IKM but need a "
            f"check.</p>{_table(bursts)}</section>")
    return "".join(parts)


def render_html(report: Report) -> str:
    per_day = report.table("per_day")
    days = [row[0][5:] for row in per_day.rows]
    issued = [row[1] for row in per_day.rows]
    total_issued = sum(issued)
    served = sum(row[2] for row in per_day.rows)
    no_shows = sum(row[3] for row in per_day.rows)
    skm = report.table("skm")
    overall = next((row for row in skm.rows if row[0] == "ALL"), None)
    per_month = report.table("per_month")
    wait_mean = per_month.rows[0][6] if len(per_month.rows) == 1 else None

    waits = report.table("per_service")
    dist = report.table("wait_distribution")
    agencies = report.table("per_agency")
    skm_agencies = [row for row in skm.rows if row[0] != "ALL"]
    ikm_col = skm.columns.index("ikm")
    wait_col = agencies.columns.index("wait_mean_min")

    cards = [
        ("Nomor diambil / Tickets issued", total_issued),
        ("Dilayani / Served", served),
        ("Tidak hadir / No-shows", no_shows),
    ]
    voided = report.tables.get("voided")
    total_voided = sum(row[-1] for row in voided.rows) if voided else 0
    if total_voided:  # not visits: shown apart so a flood that was voided stays visible
        cards.append(("Dibatalkan / Voided", total_voided))
    if wait_mean is not None:
        cards.append(("Rata-rata tunggu / Mean wait (min)", f"{wait_mean:.1f}"))
    if overall:
        small = overall[skm.columns.index("respondents")] < overall[skm.columns.index("sample_needed")]
        cards.append(("IKM MPP" + (" · sampel kecil / small sample" if small else ""),
                      f"{overall[ikm_col]:.2f} ({overall[ikm_col + 1]})"))
    refusals = report.tables.get("survey_refusals")
    total_refused = sum(row[-1] for row in refusals.rows) if refusals else 0
    if total_refused:  # not in the IKM: shown so a manager sees that someone tried
        cards.append(("Survei ditolak / Surveys refused", total_refused))
    card_html = "".join(f"<div class='card'>{escape(label)}<b>{escape(str(value))}</b></div>" for label, value in cards)
    title = f"Laporan Antrean — {escape(report.lobby)}"
    scope = f"{report.date_from:%d-%m-%Y} s.d. {report.date_to:%d-%m-%Y}"
    if report.agency:
        scope += f" — {escape(report.agency)}"
    legend = "".join(f"<tr><td class='l'>{e.upper()}</td><td class='l'>{escape(i)}</td><td class='l'>{escape(en)}</td></tr>"
                     for e, i, en in SURVEY_ELEMENTS)
    return f"""<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>{title}</title><style>{CSS}</style></head>
<body>
<h1>{title}</h1>
<div class="sub">Periode / Period: {scope} · Dibuat / Generated {report.generated_at:%d-%m-%Y %H:%M}</div>
<div class="cards">{card_html}</div>
<section><h2>Kunjungan per hari / Visits per day</h2>{bar_chart(days, issued)}</section>
<div class="grid2">
<section><h2>Rata-rata waktu tunggu per instansi (menit) / Mean wait per agency (min)</h2>
{bar_chart([r[2] for r in agencies.rows], [r[wait_col] or 0 for r in agencies.rows], width=360, colour="#8B1E1E",
           unit=" min")}</section>
<section><h2>IKM per instansi / Satisfaction index per agency</h2>
{bar_chart([r[1] for r in skm_agencies], [r[ikm_col] for r in skm_agencies], width=360, colour="#0B5D1E")}</section>
</div>
<section><h2>Sebaran waktu tunggu (menit) / Waiting time distribution (min)</h2>
{bar_chart([r[0] for r in dist.rows], [r[1] for r in dist.rows], colour="#6A1B9A")}</section>
<section><h2>Jam tersibuk / Busiest hours</h2>{heat_map(report.table("busiest_hours"))}</section>
<section class="pb wide"><h2>Per instansi / Per agency</h2>{_table(agencies)}</section>
<section class="wide"><h2>IKM (PermenPANRB 14/2017)</h2>{_table(skm)}{_sample_notes(skm)}
<table><thead><tr><th class='l'>Unsur</th><th class='l'>Indonesia</th><th class='l'>English</th></tr></thead>
<tbody>{legend}</tbody></table></section>
{_survey_honesty(report)}
<section class="pb wide"><h2>Per layanan / Per service</h2>{_table(waits)}</section>
<section class="wide"><h2>Per loket / Per counter</h2>{_table(report.table("per_counter"))}</section>
<section class="wide"><h2>Per petugas / Per officer</h2>{_table(report.table("per_officer"))}</section>
<section class="wide"><h2>Per hari / Per day</h2>{_table(per_day)}</section>
<section><h2>Penggunaan kuota / Quota use</h2>{_table(report.table("quota_use"))}</section>
{f'<section><h2>Nomor dibatalkan (bukan kunjungan) / Voided tickets (not visits)</h2>{_table(voided)}</section>'
 if voided and voided.rows else ""}
</body></html>
"""
