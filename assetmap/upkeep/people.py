"""People: the admin's user and assignment pages, and everyone's own account page (password, API tokens)."""

from __future__ import annotations

import logging
import uuid

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import parsing
from ..accounts import service as accounts
from ..accounts import throttle
from ..accounts.auth import roles_required, sign_in
from ..db import session
from ..directory import access
from ..errors import NotFound, ValidationError
from ..loaders import transaction
from ..models import Constituency, User, UserArea, Ward
from ..once import FIELD as FORM_TOKEN
from ..once import once
from ..vocabulary import ROLES
from . import bp
from .fields import error_map

log = logging.getLogger("assetmap.auth")
#: the user form: an email, a name, a role and the ticked wards (a few KB even with every ward ticked)
USER_FORM_BYTES = 64 * 1024


def _area_options() -> dict:
    cons = session.execute(select(Constituency.code, Constituency.name).order_by(Constituency.name)).all()
    return {"ward_groups": access.wards_by_council(), "constituencies": cons}


def _area_names() -> dict[str, str]:
    return {
        **dict(session.execute(select(Ward.code, Ward.name)).all()),
        **dict(session.execute(select(Constituency.code, Constituency.name)).all()),
    }


def _user_form(template: str, values: dict, errors: list, status: int = 200, **extra):
    return render_template(
        template,
        values=values,
        errors=errors,
        error_map=error_map(errors),
        role_items=ROLES.choices(),
        **_area_options(),
        **extra,
    ), status


def _posted_user() -> dict:
    f = request.form
    return {
        "email": f.get("email", "").strip(),
        "name": f.get("name", "").strip(),
        "role": f.get("role", ""),
        "wards": f.getlist("wards"),
        "constituencies": f.getlist("constituencies"),
        "active": f.get("active", "yes") == "yes",
    }


def _errors(exc: ValidationError) -> list[tuple[str, str]]:
    field = {"areas": "wards"}.get(exc.field or "", exc.field or "")
    return [(field, exc.message)]


@bp.get("/admin/users")
@roles_required("admin")
def admin_users():
    users = session.execute(select(User).order_by(User.role, User.email)).scalars().all()
    return render_template("accounts/users.html", users=users, role_labels=ROLES.labels, area_names=_area_names())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required("admin")
@parsing.body_limit(USER_FORM_BYTES)
def admin_new_user():
    if request.method == "GET":
        return _user_form(
            "accounts/user_form.html",
            {"role": "practitioner", "wards": [], "constituencies": [], "active": True},
            [],
            user=None,
        )
    values = _posted_user()
    if values["role"] != "coordinator":
        values["wards"], values["constituencies"] = [], []
    password = accounts.generate_password()
    try:
        with once("user", request.form.get(FORM_TOKEN), fallback=url_for("upkeep.admin_users")) as claim:
            with transaction():
                user = accounts.create_user(
                    values["email"],
                    values["role"],
                    password,
                    name=values["name"],
                    wards=values["wards"],
                    constituencies=values["constituencies"],
                )
                throttle.forget_account(user.email)  # failed sign-ins for this email before it had an account
            claim.send_to(url_for("upkeep.admin_user", user_id=user.id))
    except ValidationError as exc:
        return _user_form("accounts/user_form.html", values, _errors(exc), 400, user=None)
    log.info("user created", extra={"user_id": str(user.id), "role": user.role, "by": str(current_user.id)})
    return _shown_once(render_template("accounts/password_once.html", user=user, password=password, created=True))


def _shown_once(page: str):
    """A page showing a new password or token, answered straight from the POST: the secret is never kept to
    show it again (no cookie, no table), a repeat of the form is recognised by its one-time token, and
    browsers are told not to store the page."""
    resp = make_response(page)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _user_or_404(user_id) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such user.")
    return user


@bp.route("/admin/users/<uuid:user_id>", methods=["GET", "POST"])
@roles_required("admin")
@parsing.body_limit(USER_FORM_BYTES)
def admin_user(user_id):
    user = _user_or_404(user_id)
    if request.method == "GET":
        values = {
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "active": user.active,
            "wards": [a.area_code for a in user.areas if a.area_type == "ward"],
            "constituencies": [a.area_code for a in user.areas if a.area_type == "constituency"],
        }
        return _user_form("accounts/user_form.html", values, [], user=user)
    values = {**_posted_user(), "email": user.email}
    if values["role"] != "coordinator":
        values["wards"], values["constituencies"] = [], []
    try:
        with transaction():
            accounts.update_user(
                _user_or_404(user_id),
                values["role"],
                values["wards"],
                values["constituencies"],
                active=values["active"],
                name=values["name"],
            )
    except ValidationError as exc:
        return _user_form("accounts/user_form.html", values, _errors(exc), 400, user=user)
    log.info(
        "user changed",
        extra={"user_id": str(user_id), "role": values["role"], "active": values["active"], "by": str(current_user.id)},
    )
    flash(f"{user.email} has been updated.")
    return redirect(url_for("upkeep.admin_users"))


@bp.post("/admin/users/<uuid:user_id>/reset-password")
@roles_required("admin")
def admin_reset_password(user_id):
    password = accounts.generate_password()
    with once("password-reset", request.form.get(FORM_TOKEN), fallback=url_for("upkeep.admin_user", user_id=user_id)):
        with transaction():
            user = _user_or_404(user_id)
            accounts.set_password(user, password)
            throttle.forget_account(user.email)  # they can sign in with the new password straight away
    log.info("password reset", extra={"user_id": str(user_id), "by": str(current_user.id)})
    return _shown_once(render_template("accounts/password_once.html", user=user, password=password, created=False))


# --------------------------------------------------------------------------- your account


def _account_page(errors=(), new_token=None, status=200, headers=None):
    user = session.get(User, current_user.id)
    areas = session.execute(select(UserArea).where(UserArea.user_id == user.id)).scalars().all()
    names = _area_names()
    return (
        render_template(
            "accounts/account.html",
            user=user,
            role_labels=ROLES.labels,
            areas=[(a.area_type, names.get(a.area_code, a.area_code)) for a in areas],
            tokens=accounts.active_tokens(user) if user.role in ("coordinator", "admin") else [],
            new_token=new_token,
            errors=list(errors),
            error_map=error_map(errors),
        ),
        status,
        headers or {},
    )


@bp.get("/account")
@roles_required()
def account():
    return _account_page()


@bp.post("/account/password")
@roles_required()
def change_password():
    """Guessing the current password here is a failed sign-in like any other: counted, and cooled off."""
    f = request.form
    wait = throttle.locked(current_user.email, request.remote_addr)
    if wait is not None:
        return _account_page(
            [("current_password", wait.message)], status=429, headers={"Retry-After": str(int(wait.seconds) + 1)}
        )
    try:
        with transaction():
            user = session.get(User, current_user.id)
            accounts.change_password(
                user, f.get("current_password", ""), f.get("new_password", ""), f.get("confirm_password", "")
            )
            sign_in(user)  # a fresh session for this browser; every other session has ended
    except ValidationError as exc:
        if exc.field == "current_password":
            wait = throttle.failed(current_user.email, request.remote_addr)
            if wait is not None:
                return _account_page(
                    [("current_password", wait.message)],
                    status=429,
                    headers={"Retry-After": str(int(wait.seconds) + 1)},
                )
        return _account_page([(exc.field or "", exc.message)], status=400)
    log.info("password changed", extra={"user_id": str(current_user.id)})
    flash("Your password has been changed. Any other signed-in sessions have ended.")
    return redirect(url_for("upkeep.account"))


@bp.post("/account/tokens")
@roles_required("coordinator", "admin")
def create_token():
    name = request.form.get("token_name", "").strip()
    if not name:
        return _account_page([("token_name", "Give the token a name, like ‘spreadsheet sync’")], status=400)
    with once("api-token", request.form.get(FORM_TOKEN), fallback=url_for("upkeep.account")):
        with transaction():
            value = accounts.issue_token(session.get(User, current_user.id), name)
    log.info("api token issued", extra={"user_id": str(current_user.id)})
    return _account_page(new_token=value, headers={"Cache-Control": "no-store"})


@bp.post("/account/tokens/<uuid:token_id>/revoke")
@roles_required("coordinator", "admin")
def revoke_token(token_id: uuid.UUID):
    with transaction():
        accounts.revoke_token(token_id, session.get(User, current_user.id))
    log.info("api token revoked", extra={"user_id": str(current_user.id)})
    flash("The token has been revoked. Anything using it can no longer change assets.")
    return redirect(url_for("upkeep.account"))
