"""The bulk-import engine: every way assets arrive in bulk goes read -> plan -> apply.

* ``read``: a file's bytes -> rows in the asset template's field names (CSV, Excel ``xlsx``, GeoJSON,
  Open Referral UK JSON ``oruk``; ward and constituency names resolved by ``areas``); a remote ORUK feed
  is fetched by ``feed``.
* ``plan``: rows -> a validated plan (create, update, unchanged) with every error by row; writes nothing.
* ``apply``: a plan -> assets created and updated through the directory's store, in the caller's transaction.
* ``usecases``: whole imports that own their transaction (another publisher's ORUK feed).

Its users: the coordinators' import pages and ``assetmap import assets`` (``upkeep``, with the importer's
ward scope), ``assetmap import oruk`` (``opendata``), ``assetmap load assets`` and the public libraries
(``loaders.libraries``). Rows are matched on (source, source_id), so importing the same rows again changes
nothing.
"""
