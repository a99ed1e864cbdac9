"""Who is asking: a bearer token (scripts) or a session cookie (the browser, after log-in with a password), and the
role checks of every write endpoint. A request carrying a session cookie that changes something must also carry
the session's CSRF token (header X-CSRF-Token or form field csrf_token): another site can make the browser send
the cookie, never the token. Bearer requests need no CSRF token (nothing ambient is sent)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from aimaq.i18n import _
from aimaq.web.users import User, authenticate, session_user

SESSION_COOKIE = "aimaq_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def db_cursor(request: Request):
    """A pooled cursor for a request that may write (its own transactions)."""
    with request.app.state.pool.cursor() as cur:
        yield cur


WriteCon = Annotated[object, Depends(db_cursor)]


async def _csrf_ok(request: Request, expected: str) -> bool:
    import hmac

    sent = request.headers.get("x-csrf-token")
    if not sent and request.headers.get("content-type", "").startswith(("multipart/form-data",
                                                                        "application/x-www-form-urlencoded")):
        sent = (await request.form()).get("csrf_token")
    return bool(sent) and hmac.compare_digest(str(sent), expected)


async def optional_user(request: Request, con: WriteCon) -> User | None:
    """The user behind the request, or None when it carries no credentials. A wrong token is 401."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized(_("A bearer token is required: Authorization: Bearer <token>"))
        user = authenticate(con, token.strip())
        if user is None:
            raise _unauthorized(_("The token is invalid, expired, revoked or its user is disabled"))
        return user
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = session_user(con, cookie)
        if found is None:
            raise _unauthorized(_("The session has expired; log in again"))
        user, csrf = found
        if request.method not in SAFE_METHODS and not await _csrf_ok(request, csrf):
            raise HTTPException(403, _("The CSRF token is missing or wrong; reload the page"))
        return user
    return None


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def require(*roles: str):
    """A dependency: the user, who must hold one of `roles` (admin holds every role); 401 without credentials,
    403 with the wrong role."""

    async def check(user: Annotated[User | None, Depends(optional_user)]) -> User:
        if user is None:
            raise _unauthorized(_("Log in or send a bearer token"))
        if not user.can(*roles):
            raise HTTPException(403, _("The role {role} may not do this; allowed: {roles}", role=user.role,
                                       roles=", ".join((*roles, "admin"))))
        return user

    return check
