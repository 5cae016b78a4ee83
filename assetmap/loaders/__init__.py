"""Loaders for boundaries, postcodes, population, deprivation and assets; ``onboard`` runs them all.

Each loader is idempotent and runs in the caller's transaction: ``run_in_transaction`` commits
on success and rolls everything back on failure, so the previous data stays intact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from ..db import session
from ..errors import ValidationError
from ..models import Constituency, LocalAuthority, Lsoa, Organisation, Postcode, Service, Ward


def status_counts() -> dict:
    def count(model, *where):
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    return {
        "local_authorities": count(LocalAuthority),
        "wards": count(Ward),
        "constituencies": count(Constituency),
        "lsoas": count(Lsoa),
        "postcodes": count(Postcode),
        "organisations": count(Organisation),
        "assets": count(Service, Service.archived_at.is_(None)),
    }


@dataclass
class OnboardPlan:
    boundaries: list[Path] = field(default_factory=list)
    postcodes: list[Path] = field(default_factory=list)
    population: list[Path] = field(default_factory=list)
    deprivation: list[Path] = field(default_factory=list)
    libraries: list[Path] = field(default_factory=list)
    assets: list[Path] = field(default_factory=list)


BOUNDARY_ORDER = ("pcon", "wards", "ward", "lsoa")  # constituencies, then wards, then LSOAs


def find_files(folder: Path) -> OnboardPlan:
    """Find a local authority's files in the layout of ``data/`` (see README, "Onboarding")."""
    if not folder.is_dir():
        raise ValidationError(f"{folder} is not a folder")
    plan = OnboardPlan()
    bdir = folder / "boundaries"
    if bdir.is_dir():
        files = [
            p
            for p in sorted(bdir.iterdir())
            if p.suffix.lower() in (".geojson", ".json", ".gpkg", ".zip") and "2010" not in p.name
        ]
        plan.boundaries = sorted(
            files, key=lambda p: next((i for i, k in enumerate(BOUNDARY_ORDER) if p.name.lower().startswith(k)), 99)
        )
    plan.postcodes = sorted((folder / "postcodes").glob("*.csv")) if (folder / "postcodes").is_dir() else []
    plan.population = sorted((folder / "population").glob("census2021_lsoa*.csv"))
    plan.deprivation = sorted((folder / "deprivation").glob("imd2019_lsoa*.csv"))
    plan.libraries = sorted((folder / "assets").glob("libraries*.csv"))
    plan.assets = sorted((folder / "demo").glob("*.csv"))
    if not plan.boundaries:
        raise ValidationError(f"No boundary files found in {bdir}")
    return plan
