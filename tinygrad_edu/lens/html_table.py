"""One small HTML table, for the objects that show themselves as tables in Jupyter (`_repr_html_`): the equations report, a search's trials."""

import html

__all__ = ["html_table"]


def html_table(header, rows, caption=None, footer=None, bad_rows=()):
    """An HTML <table>: `header` a list of column names, `rows` lists of cells (str() of each);
    rows whose index is in `bad_rows` are shown in red; `caption` above, `footer` below."""
    parts = ["<table style='border-collapse:collapse;font-family:monospace;font-size:12px'>"]
    if caption:
        parts.append(f"<caption style='text-align:left;font-weight:bold'>{html.escape(caption)}</caption>")
    cell = "style='border:1px solid #ccc;padding:2px 6px;text-align:left'"
    parts.append("<tr>" + "".join(f"<th {cell}>{html.escape(str(h))}</th>" for h in header) + "</tr>")
    for index, row in enumerate(rows):
        color = " style='color:#c62828;font-weight:bold'" if index in bad_rows else ""
        parts.append(f"<tr{color}>" + "".join(f"<td {cell}>{html.escape(str(c))}</td>" for c in row) + "</tr>")
    parts.append("</table>")
    if footer:
        parts.append(f"<p>{html.escape(footer).replace(chr(10), '<br>')}</p>")
    return "".join(parts)
