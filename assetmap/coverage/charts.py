"""Small trend charts as inline SVG: no script, prints crisply, and always shown beside a table of the numbers.

Why not matplotlib: a 300 x 90 line needs no figure machinery, and inline SVG inherits the page's
font and needs no extra request. The chart is decorative for screen readers (``aria-hidden``): the
table next to it carries the same numbers.
"""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD, LEFT = 440, 170, 34, 56


def line_svg(points: list[tuple[object, float | None]], title: str) -> Markup:
    """A line through (label, value) points, oldest first; gaps where a value is missing."""
    values = [v for _, v in points if v is not None]
    if not values:
        return Markup("")
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    n = len(points)
    step = (WIDTH - LEFT - PAD) / max(1, n - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return LEFT + i * step, HEIGHT - PAD - (v - lo) / (hi - lo) * (HEIGHT - 2 * PAD)

    path, dots = [], []
    pen_up = True
    for i, (_, v) in enumerate(points):
        if v is None:
            pen_up = True
            continue
        x, y = xy(i, v)
        path.append(f"{'M' if pen_up else 'L'}{x:.1f},{y:.1f}")
        dots.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#1d70b8"/>')
        pen_up = False
    first, last = points[0][0], points[-1][0]
    label = getattr(first, "strftime", None)
    start = first.strftime("%b %Y") if label else str(first)
    end = last.strftime("%b %Y") if label else str(last)
    return Markup(
        f'<svg class="am-trend-chart" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">'
        f'<text x="{LEFT}" y="18" font-size="16" font-weight="bold" fill="#0b0c0c">{escape(title)}</text>'
        f'<line x1="{LEFT}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#505a5f"/>'
        f'<line x1="{LEFT}" y1="{PAD}" x2="{LEFT}" y2="{HEIGHT - PAD}" stroke="#505a5f"/>'
        f'<text x="{LEFT - 6}" y="{PAD + 5}" font-size="14" fill="#0b0c0c" text-anchor="end">{hi:.1f}</text>'
        f'<text x="{LEFT - 6}" y="{HEIGHT - PAD + 5}" font-size="14" fill="#0b0c0c" text-anchor="end">{lo:.1f}</text>'
        f'<path d="{" ".join(path)}" fill="none" stroke="#1d70b8" stroke-width="3"/>{"".join(dots)}'
        f'<text x="{LEFT}" y="{HEIGHT - 8}" font-size="14" fill="#0b0c0c">{escape(start)}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="14" fill="#0b0c0c" text-anchor="end">{escape(end)}</text>'
        "</svg>"
    )
