"""A test client whose form POSTs carry a fresh one-time form token, as every form of the service does.

Tests about repeat submissions send their own ``form_token`` (kept when given) or use a plain
``FlaskClient`` to send none.
"""

from __future__ import annotations

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from assetmap.once import FIELD, new_token


class FormClient(FlaskClient):
    def open(self, *args, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        data = kwargs.get("data")
        is_form = data is None or isinstance(data, (dict, MultiDict))
        if (
            method == "POST"
            and is_form
            and args
            and isinstance(args[0], str)
            and "json" not in kwargs
            and "json" not in (kwargs.get("content_type") or "")
        ):
            data = MultiDict(data) if isinstance(data, MultiDict) else dict(data or {})
            if FIELD not in data:
                data[FIELD] = new_token()
            kwargs["data"] = data
        return super().open(*args, **kwargs)
