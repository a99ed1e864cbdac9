"""The REST API and the digital village map («Цифровая карта села», review section 1.8) in one FastAPI app.

Each server process holds one long-lived connection to the database (DuckDB file or PostgreSQL, `web.pool`) and
serves every request with a pooled cursor of it; reads run in a read-only transaction, so a GET can never write.
Public read endpoints are cached by data version with ETag/304 and kept gzip-compressed (`web.cache`). Writes —
uploads, approval, corrections — need a user (`web.auth`: bearer token or session cookie with CSRF) with the right
role, and leave an entry in the audit log. Every payload says whether it comes from synthetic data
("synthetic": true/false)."""

from __future__ import annotations

import datetime as dt
import math
import os
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import duckdb
import polars as pl
from fastapi import Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from aimaq.errors import AimaqError, AmbiguousNameError, UnknownNameError
from aimaq.i18n import _
from aimaq.web.auth import WriteCon, client_ip, require
from aimaq.web.formats import TableFormat, table_response
from aimaq.web.users import User

MAX_UPLOAD_MB = 50  # default cap of an upload (setting: AIMAQ_MAX_UPLOAD_MB or create_app(max_upload_mb=))
RETRY_AFTER_S = 2   # what a 503 asks the client to wait
# endpoints whose answer depends on who asks: never cached
PRIVATE_PREFIXES = ("/api/batches", "/api/audit", "/api/me", "/api/import", "/api/login", "/api/logout",
                    "/api/observations")

LEVELS = ("country", "region", "district", "okrug", "settlement")


def _plain(value):
    if isinstance(value, float):  # 12 significant digits, as the CLI prints: binary noise goes
        return float(f"{value:.12g}") if math.isfinite(value) else None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def records(frame: pl.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts: dates as ISO text, NaN/inf as null (never a silent number)."""
    return [{k: _plain(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]


def _synthetic(frame: pl.DataFrame) -> bool:
    return bool("synthetic" in frame.columns and frame.height and frame["synthetic"].any())


def payload(frame: pl.DataFrame, **extra) -> dict:
    return {"synthetic": _synthetic(frame), **extra, "count": frame.height, "rows": records(frame)}


def _connection(request: Request):
    """A pooled cursor of the process's connection, inside a read-only transaction for this request."""
    with request.app.state.pool.cursor(read_only=True) as con:
        yield con


Con = Annotated[duckdb.DuckDBPyConnection, Depends(_connection)]


class NotFound(AimaqError):
    """A resource the database does not hold (no run, no classification)."""


def create_app(db_path: str | Path, *, max_upload_mb: float | None = None) -> FastAPI:
    """The app over the database at `db_path` (a DuckDB file or a PostgreSQL URL), one connection per process."""
    import contextlib

    from aimaq.store.db import is_server
    from aimaq.web.cache import VersionedCache
    from aimaq.web.pool import Pool

    db_path = str(db_path)
    pool = Pool(db_path)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        pool.close()

    app = FastAPI(title="Aimaq", description="Мониторинг регионального развития Казахстана: REST API и цифровая "
                  "карта села. Данные с флагом synthetic=true — синтетические.", version="0.1.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None)  # served offline from vendored files by aimaq.web.pages
    app.state.db_path = db_path
    app.state.pool = pool
    if max_upload_mb is None:
        max_upload_mb = float(os.environ.get("AIMAQ_MAX_UPLOAD_MB") or MAX_UPLOAD_MB)
    app.state.max_upload_bytes = int(max_upload_mb * 1024 * 1024)
    # the last added runs first: cache (public reads and static files: a hit goes no further) → language → upload
    # cap → gzip (the answers the cache does not keep)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(_UploadCap)
    app.add_middleware(_Language)
    app.add_middleware(VersionedCache, version=pool.version, version_in_thread=is_server(db_path),
                       exclude=PRIVATE_PREFIXES, unavailable=_unavailable)

    @app.exception_handler(UnknownNameError)
    async def _unknown(request: Request, exc: UnknownNameError):
        return JSONResponse(status_code=404, content={"detail": str(exc), "kind": exc.kind, "name": exc.name,
                                                      "suggestions": exc.suggestions})

    @app.exception_handler(AmbiguousNameError)
    async def _ambiguous(request: Request, exc: AmbiguousNameError):
        return JSONResponse(status_code=422, content={"detail": str(exc), "candidates": exc.candidates})

    @app.exception_handler(AimaqError)
    async def _aimaq(request: Request, exc: AimaqError):
        from aimaq.demography.repository import NoForecastRun
        from aimaq.errors import DatabaseBusy

        if isinstance(exc, DatabaseBusy):
            return _busy()

        status = 404 if isinstance(exc, (NotFound, NoForecastRun)) else 422
        return JSONResponse(status_code=status, content={"detail": str(exc)})

    @app.exception_handler(duckdb.Error)
    async def _database(request: Request, exc: duckdb.Error):
        if is_busy(exc):  # a write conflict or a lock: the client may simply retry
            return _busy()
        # reads run in a read-only transaction: a service that would compute and store a missing result cannot
        if "read-only" in str(exc).lower() or "read only" in str(exc).lower():
            return JSONResponse(status_code=409, content={
                "detail": "this result is not computed yet and the web server opens the database read-only; "
                          "compute it with the CLI first (e.g. `aimaq standards compute --year YEAR`)"})
        return JSONResponse(status_code=500, content={"detail": f"database error: {exc}"})

    # --- territories ---------------------------------------------------------------------------------------
    @app.get("/api/territories", tags=["territory"], summary="Территории (регионы, районы, округа, СНП)")
    def territories(con: Con, level: Literal["country", "region", "district", "okrug", "settlement"] | None = None,
                    at: Annotated[dt.date | None, Query(description="Дата (YYYY-MM-DD): только действующие на неё")
                                  ] = None, format: TableFormat = "json"):
        from aimaq.territory.repository import territories as load

        frame = load(con, level, at)
        return table_response(format, payload(frame), frame, f"territories_{level or 'all'}")

    @app.get("/api/territories/{kato}", tags=["territory"], summary="Одна территория по коду КАТО или названию")
    def territory(con: Con, kato: str, format: TableFormat = "json"):
        frame = _territory_versions(con, kato)
        return table_response(format, payload(frame, kato=frame["kato"][0]), frame, f"territory_{frame['kato'][0]}")

    # --- series, rating, standards, villages, forecast -------------------------------------------------------
    @app.get("/api/series/{indicator}", tags=["series"], summary="Ряд показателя в границах выбранного года")
    def series(con: Con, indicator: str, boundaries: int | None = Query(None, ge=1991, le=2100,
                                                             description="Год, в границах которого показать регионы"),
               level: Literal["region", "district", "okrug", "settlement", "country"] = "region",
               format: TableFormat = "json"):
        from aimaq.territory.boundaries import series_on_boundaries

        frame, notes = series_on_boundaries(con, indicator, boundaries, level)
        return table_response(format, payload(frame, indicator=indicator, boundaries=boundaries, notes=notes), frame,
                              f"series_{indicator}")

    @app.get("/api/rating/{year}", tags=["rating"], summary="Рейтинг качества жизни в городах (Таблица 2)")
    def rating(con: Con, year: int, source: Literal["published", "computed"] = "published",
               format: TableFormat = "json"):
        from aimaq.rating.service import show_rating

        frame = show_rating(con, year, source)
        return table_response(format, payload(frame, year=year, source=source), frame, f"rating_{year}_{source}")

    @app.get("/api/standards/coverage", tags=["standards"], summary="Обеспеченность по Системе региональных стандартов")
    def coverage(con: Con, year: int = Query(..., ge=2000, le=2100),
                 level: Literal["country", "region", "district", "settlement"] = "country",
                 format: TableFormat = "json"):
        from aimaq.standards.service import coverage_table

        frame = coverage_table(con, year, level)
        return table_response(format, payload(frame, year=year, level=level), frame, f"coverage_{year}_{level}")

    @app.get("/api/standards/gaps/{kato}", tags=["standards"],
             summary="Недостающие объекты СНП и ближайшее место, где они есть")
    def gaps(con: Con, kato: str, year: int = Query(..., ge=2000, le=2100), format: TableFormat = "json"):
        from aimaq.standards.service import coverage_table
        from aimaq.standards.service import gaps as load_gaps

        frame = load_gaps(con, _settlement_kato(con, kato), year)
        synthetic = bool(coverage_table(con, year, "country")["synthetic"].any())
        return table_response(format, {**payload(frame, kato=kato, year=year), "synthetic": synthetic}, frame,
                              f"gaps_{kato}_{year}")

    @app.get("/api/villages", tags=["villages"], summary="Сёла: опорные, спутники, прочие; потенциал развития")
    def villages(con: Con, region: str | None = Query(None, description="КАТО или название региона: тогда по районам"),
                 format: TableFormat = "json"):
        from aimaq.rural.service import show_villages

        frame = show_villages(con, _region_kato(con, region) if region else None)
        return table_response(format, payload(frame, region=region), frame, f"villages_{region or 'all'}")

    @app.get("/api/forecast", tags=["forecast"], summary="Прогноз численности населения (последний расчёт)")
    def forecast(con: Con, region: str | None = Query(None, description="КАТО или название региона"),
                 year: int | None = Query(None, ge=1990, le=2200), format: TableFormat = "json"):
        from aimaq.demography.repository import find_run, load_results

        run = find_run(con)
        code = _region_kato(con, region) if region else None
        frame = load_results(con, run["run_id"], region_code=code, year=year)
        if frame.is_empty():
            raise NotFound(f"the forecast run {run['run_id']} has no rows for region={region} year={year}")
        return table_response(format, payload(frame, run_id=run["run_id"], scenario=run["scenario"],
                                              base_year=run["base_year"], to_year=run["to_year"]), frame,
                              f"forecast_{run['run_id']}")

    # --- map layers -------------------------------------------------------------------------------------------
    @app.get("/api/settlements.geojson", tags=["map"], summary="СНП региона: точки с обеспеченностью и ролью села")
    def settlements_geojson(con: Con, region: str = Query(..., description="КАТО или название региона"),
                            year: int = Query(2023, ge=2000, le=2100)):
        from aimaq.web.layers import settlements_layer

        return settlements_layer(con, _region_kato(con, region), year)

    @app.get("/api/regions.geojson", tags=["map"], summary="Границы регионов с последней опубликованной обеспеченностью")
    def regions_geojson(con: Con):
        from aimaq.web.layers import regions_layer

        return regions_layer(con)

    # --- data entry, approval, audit (writes: a user with a role) ------------------------------------------------
    from aimaq.web.approval import router as approval_router

    app.include_router(approval_router)
    from aimaq.web.backup import router as backup_router  # `aimaq backup` while this server holds the file

    app.include_router(backup_router)
    try:  # the dashboard pages (another branch's web/pages.py) join when present
        from aimaq.web.pages import router as pages_router
    except ModuleNotFoundError as exc:
        if exc.name != "aimaq.web.pages":
            raise
    else:
        app.include_router(pages_router)
    if _multipart_available():
        @app.post("/api/import", tags=["import"],
                  summary="Загрузка данных (CSV/XLSX): акимат — своего региона, на утверждение; министерство — сразу",
                  responses={401: {"description": "нет токена или сессии, токен неверен или истёк"},
                             403: {"description": "роль не может загружать данные"},
                             413: {"description": "файл больше допустимого размера"},
                             422: {"description": "проблемы в файле: ничего не записано"},
                             503: {"description": "база данных занята: повторите через Retry-After секунд"}})
        def upload(request: Request, con: WriteCon,
                   user: Annotated[User, Depends(require("akimat", "ministry"))],
                   file: Annotated[UploadFile, File(description="CSV или XLSX, как для `aimaq import`")],
                   dry_run: Annotated[bool, Form(description="Только проверить: ничего не записывать")] = False):
            return _import_upload(request, con, user, file, dry_run, client_ip(request))
    else:  # FastAPI refuses form fields without python-multipart: the rest of the app still serves
        @app.post("/api/import", tags=["import"], summary="Загрузка данных (нужен пакет python-multipart)")
        def upload_unavailable():
            return JSONResponse(status_code=501, content={
                "detail": "uploads need the python-multipart package: pip install python-multipart"})

    @app.get("/import", response_class=HTMLResponse, include_in_schema=False)
    def import_page():
        return (resources.files("aimaq.web") / "templates" / "import.html").read_text(encoding="utf-8")

    # --- the page ---------------------------------------------------------------------------------------------
    static = resources.files("aimaq.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    return app


def app_from_environment() -> FastAPI:
    """The app over $AIMAQ_DB: what each worker process builds when `aimaq web serve --workers N` runs several."""
    from aimaq.settings import configure

    return create_app(configure(None).db_path)


def _multipart_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("python_multipart") is not None


def _busy() -> JSONResponse:
    return JSONResponse(status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)}, content={
        "detail": _("The database is busy; retry in {seconds} s", seconds=RETRY_AFTER_S)})


def is_busy(exc: Exception) -> bool:
    """A write conflict, a lock or a serialisation failure: the same request may succeed a moment later."""
    text = str(exc).lower()
    return any(word in text for word in ("conflict", "could not set lock", "could not serialize", "deadlock",
                                         "lock timeout", "database is locked", "too many clients",
                                         # PostgreSQL: two writers numbered the same revision at once
                                         "duplicate key value violates unique constraint"))


def _too_large(limit: int) -> JSONResponse:
    megabytes = format(limit / 1024 / 1024, ".3g")
    return JSONResponse(status_code=413, content={"detail": _(
        "The file is larger than the limit of {mb} MB; split it or ask the administrator (AIMAQ_MAX_UPLOAD_MB)",
        mb=megabytes)})


class _UploadCap:
    """Refuse an upload whose declared size exceeds the cap before reading it (413); the endpoint checks the bytes
    it actually receives as well."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/api/import":
            limit = scope["app"].state.max_upload_bytes
            length = dict(scope["headers"]).get(b"content-length")
            if length and length.isdigit() and int(length) > limit + 64 * 1024:  # the form's own bytes
                await _too_large(limit)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _Language:
    """Messages of the request in ?lang=, else the first supported language of Accept-Language, else Russian."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        context = _language_of(scope)
        context.__enter__()
        try:
            await self.app(scope, receive, send)
        finally:
            context.__exit__(None, None, None)


def _language_of(scope):
    """The language context of a request: ?lang=, else Accept-Language, else Russian (an unknown code: Russian)."""
    from urllib.parse import parse_qs

    from aimaq.i18n import LANGUAGES, normalise_language, use_language

    wanted = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [None])[0]
    if wanted is None:
        header = dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")
        codes = [part.split(";")[0].strip().lower()[:2] for part in header.split(",")]
        wanted = next((c for c in codes if c in LANGUAGES), None)
    try:
        normalise_language(wanted) if wanted else None
    except AimaqError:
        wanted = None
    return use_language(wanted)


def _unavailable(scope) -> JSONResponse:
    """The answer when the data version cannot be read (the database is down): 503, in the request's language."""
    with _language_of(scope):
        return _busy()


def _import_upload(request: Request, con, user, file: UploadFile, dry_run: bool, ip: str | None):
    """Read at most the cap, then validate, check the region and store (pending for an akimat)."""
    from dataclasses import asdict

    from aimaq.errors import ValidationFailed
    from aimaq.web.upload import import_upload

    limit = request.app.state.max_upload_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        return _too_large(limit)
    try:
        return import_upload(con, user, file.filename or "upload.csv", data, dry_run=dry_run, ip=ip)
    except ValidationFailed as exc:
        return JSONResponse(status_code=422, content={
            "detail": str(exc), "problems": [asdict(p) for p in exc.problems]})


def _territory_versions(con, kato: str) -> pl.DataFrame:
    """Every version of the territory `kato` (a 9-digit code, or a name resolved through the registry)."""
    from aimaq.territory.repository import load_name_index, territories

    frame = territories(con)
    code = kato.strip()
    if not code.isdigit():  # a code of the wrong length gets the nearest codes below, not names
        code = load_name_index(con).resolve(kato).kato
    found = frame.filter(pl.col("kato") == code)
    if found.is_empty():
        raise UnknownNameError("territory", kato, _suggest(con, kato, frame))
    return found


def _suggest(con, text: str, frame: pl.DataFrame) -> list[str]:
    """Nearest names; for a code, the known codes sharing its longest prefix."""
    from aimaq.territory.repository import load_name_index

    if text.isdigit():
        for width in range(min(len(text), 8), 0, -1):
            near = frame.filter(pl.col("kato").str.starts_with(text[:width])).unique("kato", keep="last")
            if near.height:
                return [f"{r['name_ru']} ({r['kato']})" for r in near.head(3).iter_rows(named=True)]
        # no shared prefix: the numerically nearest codes
        near = (frame.unique("kato", keep="last")
                .sort((pl.col("kato").cast(pl.Int64) - int(text)).abs()).head(3))
        return [f"{r['name_ru']} ({r['kato']})" for r in near.iter_rows(named=True)]
    return load_name_index(con).suggest(text)


def _region_kato(con, region: str) -> str:
    from aimaq.territory.repository import territories

    frame = territories(con, "region", dt.date.today())
    text = region.strip()
    if text.isdigit() and len(text) == 9 and text in set(frame["kato"].to_list()):
        return text
    if not text.isdigit():
        from aimaq.territory.repository import load_name_index

        return load_name_index(con, ("region",)).resolve(text, level="region", at=dt.date.today()).kato
    raise UnknownNameError("region", region, _suggest(con, text, frame))


def _settlement_kato(con, kato: str) -> str:
    from aimaq.territory.repository import territories

    text = kato.strip()
    frame = territories(con, "settlement", dt.date.today())
    if text.isdigit():
        if text in set(frame["kato"].to_list()):
            return text
        raise UnknownNameError("settlement", kato, _suggest(con, text, frame))
    return text  # a name: the standards service resolves it (and reports near names)
