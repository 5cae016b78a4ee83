"""Other web sites embed the public search: a council, a GP practice or a voluntary organisation puts an
iframe of /embed/search on its own pages.

Framing is refused everywhere else (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``, see
``assetmap.security``); the embeddable page alone lists the parent sites an admin has allowed (``embed_site``)
in its ``frame-ancestors``. The page is stateless - a POSTed postcode is searched and the results are the
response, with no session and no cookie - because a page in another site's iframe gets no SameSite=Lax
cookie; it searches as an anonymous visitor, so only public listings can ever appear in it.
"""

from __future__ import annotations


def init_app(app) -> None:
    from . import views

    app.register_blueprint(views.bp)
