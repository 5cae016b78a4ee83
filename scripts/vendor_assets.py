"""Copy front-end packages from node_modules into assetmap/static/vendor (served locally, no CDN).

GOV.UK Frontend's stylesheet names the GDS Transport font, which is reserved for GOV.UK: its
@font-face rules are removed and the font name dropped, so text falls back to Arial.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NM = ROOT / "node_modules"
OUT = ROOT / "assetmap" / "static" / "vendor"

COPIES = {
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    "leaflet/dist/images": "leaflet/images",
    "leaflet.markercluster/dist/leaflet.markercluster.js": "leaflet.markercluster/leaflet.markercluster.js",
    "leaflet.markercluster/dist/MarkerCluster.css": "leaflet.markercluster/MarkerCluster.css",
    "leaflet.markercluster/dist/MarkerCluster.Default.css": "leaflet.markercluster/MarkerCluster.Default.css",
    "govuk-frontend/dist/govuk/govuk-frontend.min.js": "govuk-frontend/govuk-frontend.min.js",
    "govuk-frontend/dist/govuk/assets/images": "govuk-frontend/assets/images",
    "axe-core/axe.min.js": "axe-core/axe.min.js",
    # the MOJ sortable table, alone: a self-contained ES module (its own copy of GOV.UK Frontend's base class)
    "@ministryofjustice/frontend/moj/components/sortable-table/sortable-table.bundle.mjs": "moj-frontend/sortable-table.bundle.mjs",
}
MOJ_CSS = "@ministryofjustice/frontend/moj/moj-frontend.min.css"


def sortable_table_css(css: str) -> str:
    """The sortable table's own rules (``[aria-sort] button``) from MOJ Frontend's whole stylesheet."""
    return "\n".join(re.findall(r"\[aria-sort\][^{}]*\{[^}]*\}", css)) + "\n"


def strip_reserved_font(css: str) -> str:
    css = re.sub(r"@font-face\{[^}]*\}", "", css)
    return css.replace('"GDS Transport",', "").replace("GDS Transport,", "")


def main() -> int:
    if not NM.exists():
        print("node_modules missing: run npm ci first", file=sys.stderr)
        return 1
    for src, dst in COPIES.items():
        s, d = NM / src, OUT / dst
        d.parent.mkdir(parents=True, exist_ok=True)
        if s.is_dir():
            shutil.copytree(s, d, dirs_exist_ok=True)
        else:
            shutil.copy2(s, d)
    css = (NM / "govuk-frontend/dist/govuk/govuk-frontend.min.css").read_text()
    css = strip_reserved_font(css).replace("/*# sourceMappingURL=govuk-frontend.min.css.map */", "")
    (OUT / "govuk-frontend/govuk-frontend.min.css").write_text(css)
    (OUT / "moj-frontend/sortable-table.css").write_text(sortable_table_css((NM / MOJ_CSS).read_text()))
    mjs = OUT / "moj-frontend/sortable-table.bundle.mjs"
    mjs.write_text(re.sub(r"//# sourceMappingURL=\S+", "", mjs.read_text()))
    (OUT / "govuk-frontend/govuk-frontend.min.js").write_text(
        (OUT / "govuk-frontend/govuk-frontend.min.js")
        .read_text()
        .replace("//# sourceMappingURL=govuk-frontend.min.js.map", "")
    )
    print(f"front-end assets copied to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
