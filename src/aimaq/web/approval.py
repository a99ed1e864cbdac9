"""Log-in, approval of pending batches, corrections and the audit log over HTTP. Who may do what:

| endpoint | roles |
|---|---|
| POST /api/login, POST /api/logout, GET /api/me | anyone with a password / a session |
| GET /api/batches, GET /api/batches/{id}, GET /api/batches/{id}/diff | ministry (all), akimat (its own region's batches: the preview) |
| POST /api/batches/{id}/approve, …/reject | ministry |
| POST /api/observations/correct | analyst, ministry |
| GET /api/audit | ministry |

admin holds every role. Each write runs in its own transaction with its audit entry. The GET endpoints are tables:
`?format=json|csv|xlsx` (web/formats.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from aimaq.i18n import _
from aimaq.store import audit
from aimaq.store.batches import (BatchNotFound, BatchStateError, approve_batch, batch_diff, correct_value, get_batch,
                                 list_batches, reject_batch)
from aimaq.web.auth import SESSION_COOKIE, WriteCon, client_ip, optional_user, require
from aimaq.web.formats import TableFormat, table_response
from aimaq.web.users import SESSION_HOURS, LoginRefused, User, log_in, log_out

router = APIRouter()
Ministry = Annotated[User, Depends(require("ministry"))]


def _records(frame) -> list[dict]:
    from aimaq.web.app import records

    return records(frame)


def _batch_or_404(con, batch: int, user: User) -> dict:
    try:
        found = get_batch(con, batch)
    except BatchNotFound:
        raise HTTPException(404, _("No batch {batch}", batch=batch)) from None
    if not user.can("ministry"):  # an akimat sees only its own region's batches
        own = list_batches(con, region_prefix=user.region_prefix)
        if batch not in set(own["batch"].to_list()):
            raise HTTPException(403, _("This batch belongs to another region"))
    return found


# --- log-in ------------------------------------------------------------------------------------------------------
@router.post("/api/login", tags=["users"], summary="Вход по имени и паролю: cookie сессии (HttpOnly) и CSRF-токен")
def login(request: Request, response: Response, con: WriteCon, name: Annotated[str, Form()],
          password: Annotated[str, Form()]):
    try:
        found = log_in(con, name.strip(), password, client_ip(request))
    except LoginRefused as exc:
        return JSONResponse(status_code=429, headers={"Retry-After": str(exc.retry_after)}, content={
            "detail": _("Too many failed log-in attempts; try again in {seconds} s", seconds=exc.retry_after)})
    if found is None:
        audit.record(con, "login_failed", obj=f"user:{name.strip()}", ip=client_ip(request))
        return JSONResponse(status_code=401, content={"detail": _("Wrong name or password")})
    user, session, csrf = found
    audit.record(con, "login", user=user, obj=f"user:{user.name}", ip=client_ip(request))
    response.set_cookie(SESSION_COOKIE, session, max_age=SESSION_HOURS * 3600, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")
    return {"user": user.name, "role": user.role, "region_kato": user.region_kato, "csrf_token": csrf}


@router.post("/api/logout", tags=["users"], summary="Выход: сессия закрывается")
def logout(request: Request, response: Response, con: WriteCon,
           user: Annotated[User | None, Depends(optional_user)]):
    session = request.cookies.get(SESSION_COOKIE)
    if session and user is not None:
        log_out(con, session)
        audit.record(con, "logout", user=user, obj=f"user:{user.name}", ip=client_ip(request))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"logged_out": True}


@router.get("/api/me", tags=["users"], summary="Кто я: пользователь, роль, регион")
def me(user: Annotated[User, Depends(require(*("viewer", "akimat", "analyst", "ministry")))]):
    return {"user": user.name, "role": user.role, "region_kato": user.region_kato}


# --- batches -----------------------------------------------------------------------------------------------------
@router.get("/api/batches", tags=["approval"], summary="Пакеты загрузок (status=pending — ждут утверждения)")
def batches(con: WriteCon, user: Annotated[User, Depends(require("ministry", "akimat"))],
            status: Annotated[str | None, Query(pattern="^(pending|approved|rejected)$")] = None,
            format: TableFormat = "json"):
    frame = list_batches(con, status, None if user.can("ministry") else user.region_prefix)
    rows = _records(frame)
    if status == "pending" and format.lower() == "json":  # the ministry decides on the difference (in a file:
        for row in rows:                                      # each batch's own /diff)
            row["changes"] = _records(batch_diff(con, row["batch"]))
    return table_response(format, {"status": status, "count": len(rows), "rows": rows}, frame,
                          f"batches_{status or 'all'}")


@router.get("/api/batches/{batch}", tags=["approval"], summary="Пакет и его отличие от текущих значений")
def batch(con: WriteCon, user: Annotated[User, Depends(require("ministry", "akimat"))], batch: int,
          format: TableFormat = "json"):
    found = _batch_or_404(con, batch, user)
    changes = _changes(con, batch, found)
    return table_response(format, {**{k: _plain(v) for k, v in found.items()}, "changes": _records(changes)},
                          changes, f"batch_{batch}")


@router.get("/api/batches/{batch}/diff", tags=["approval"],
            summary="Отличие пакета от текущих значений: строка на значение (что изменит утверждение)")
def batch_changes(con: WriteCon, user: Annotated[User, Depends(require("ministry", "akimat"))], batch: int,
                  format: TableFormat = "json"):
    found = _batch_or_404(con, batch, user)
    changes = _changes(con, batch, found)
    body = {"batch": batch, "status": found["status"], "file": found["file"], "count": changes.height,
            "rows": _records(changes)}
    return table_response(format, body, changes, f"batch_{batch}_diff")


def _changes(con, batch: int, found: dict):
    """A pending batch's difference against current values; a decided batch has none left (an empty table)."""
    changes = batch_diff(con, batch)
    return changes if found["status"] == "pending" else changes.clear()


def _plain(value):
    from aimaq.web.app import _plain as plain

    return plain(value)


def _decide(action, con, batch: int):
    try:
        return action()
    except BatchNotFound:
        raise HTTPException(404, _("No batch {batch}", batch=batch)) from None
    except BatchStateError as exc:
        raise HTTPException(409, str(exc)) from None


@router.post("/api/batches/{batch}/approve", tags=["approval"], summary="Утвердить пакет: он становится текущими данными")
def approve(request: Request, con: WriteCon, user: Ministry, batch: int):
    return _decide(lambda: approve_batch(con, batch, user=user, ip=client_ip(request)), con, batch)


class Rejection(BaseModel):
    reason: str = Field(min_length=1, description="Почему отклонён (увидит акимат)")


@router.post("/api/batches/{batch}/reject", tags=["approval"], summary="Отклонить пакет с указанием причины")
def reject(request: Request, con: WriteCon, user: Ministry, batch: int, body: Rejection):
    return _decide(lambda: reject_batch(con, batch, body.reason, user=user, ip=client_ip(request)), con, batch)


class Correction(BaseModel):
    kato: str = Field(pattern=r"^\d{9}$")
    indicator: str
    period: str
    breakdown: str = ""
    value: float | None
    reason: str = Field(min_length=1)


@router.post("/api/observations/correct", tags=["approval"],
             summary="Исправить одно значение с указанием причины (новая ревизия)")
def correct(request: Request, con: WriteCon, user: Annotated[User, Depends(require("analyst", "ministry"))],
            body: Correction):
    return correct_value(con, kato=body.kato, indicator=body.indicator, period=body.period,
                         breakdown=body.breakdown, value=body.value, reason=body.reason, user=user,
                         ip=client_ip(request))


# --- audit ------------------------------------------------------------------------------------------------------
@router.get("/api/audit", tags=["approval"], summary="Журнал аудита: кто, что, когда, откуда, старое и новое значение")
def audit_log(con: WriteCon, user: Ministry, who: str | None = None, action: str | None = None,
              object: Annotated[str | None, Query(description="Начало объекта, напр. batch:12")] = None,
              limit: Annotated[int, Query(ge=1, le=10000)] = 1000, format: TableFormat = "json"):
    frame = audit.entries(con, user=who, action=action, obj=object, limit=limit)
    return table_response(format, {"count": frame.height, "rows": _records(frame)}, frame, "audit")


# the ministry's page, /batches, is one of the pages (aimaq.web.pages): the same layout, catalogue and languages
