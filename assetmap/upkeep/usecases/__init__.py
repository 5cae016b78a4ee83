"""The coordinators' use cases: each owns its transaction (``db.transaction``) and checks the caller's rights
through ``directory.access``, so the pages, the JSON API and the command line share their rules.

``assets`` (add, edit, archive, restore, verify, restore a version), ``suggestions`` (the public's suggestions
and problem reports), ``imports`` (a coordinator's bulk import, within their wards) and ``terms`` (the admin's
terms)."""
