"""OGC API - Features for GIS: the public directory and its areas as feature collections under /ogc.

Why a second open API beside Open Referral UK: ORUK is how service directories exchange records, but the
tools a council's GIS officer opens (QGIS, ArcGIS Pro, GDAL/ogr2ogr, FME) read OGC API - Features
natively, with paging and a bounding box, and need nothing else installed. Collections: ``assets`` (public,
live listings only: the ORUK API's public filter, so nothing practitioners-only or confidential) and
``wards``, ``constituencies`` and ``lsoas`` with their coverage measures counted on public assets only.

Response shapes follow pygeoapi's (landing page links, ``numberMatched``/``numberReturned``, ``next``/``prev``
links); the JSON schemas of the standard are vendored in ``spec/`` and the tests validate against them and
read the API with GDAL's ogrinfo/ogr2ogr.
"""

from __future__ import annotations

PREFIX = "/ogc"  # open access like /oruk: ``opendata.is_open_data_path`` sends CORS * here, errors included


def init_app(app) -> None:
    from . import views

    app.register_blueprint(views.bp)
