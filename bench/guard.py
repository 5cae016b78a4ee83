"""The check every bench script makes before it touches a database."""

from __future__ import annotations


def refuse_demo_or_test(url: str, doing: str = "benchmark") -> None:
    """Stop unless ``url`` names a database of its own: never the demo's (``assetmap``) nor a test one."""
    name = url.split("?")[0].rsplit("/", 1)[-1]
    if name == "assetmap" or "assetmap_test" in name:
        raise SystemExit(f"Refusing to {doing} the demo or a test database: use a separate one")
