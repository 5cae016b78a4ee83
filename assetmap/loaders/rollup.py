"""Roll LSOA population and deprivation up to wards, constituencies and local authorities.

Population: the sum of the LSOAs whose representative point lies in the area (LSOA 2011 and
2024 wards do not nest; this best-fit keeps every resident counted exactly once).
Deprivation: the population-weighted mean IMD score, and the decile of the population-weighted
mean national rank (32,844 LSOAs in England; decile = ceil(rank / 3,284.4)).
"""

from __future__ import annotations

from sqlalchemy import text

from ..db import session

ENGLAND_LSOAS = 32844

_ROLLUP = """
UPDATE {table} t SET
  population_total = s.pop,
  population_65plus = s.pop65,
  imd_score = s.score,
  imd_decile = CASE WHEN s.rank IS NULL THEN NULL
                    ELSE LEAST(10, GREATEST(1, ceil(s.rank / ({n} / 10.0))))::int END
FROM (
  SELECT t2.code,
         sum(l.population_total)::int AS pop,
         sum(l.population_65plus)::int AS pop65,
         sum(l.imd_score * l.population_total) / NULLIF(sum(l.population_total) FILTER (WHERE l.imd_score IS NOT NULL), 0) AS score,
         sum(l.imd_rank::float8 * l.population_total) / NULLIF(sum(l.population_total) FILTER (WHERE l.imd_rank IS NOT NULL), 0) AS rank
  FROM {table} t2 LEFT JOIN lsoa l ON l.{key} = t2.code
  GROUP BY t2.code
) s
WHERE s.code = t.code
"""


def rollup_areas() -> None:
    for table, key in (("ward", "ward_code"), ("constituency", "constituency_code"), ("local_authority", "lad_code")):
        session.execute(text(_ROLLUP.format(table=table, key=key, n=ENGLAND_LSOAS)))
