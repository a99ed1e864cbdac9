"""The REST API and the digital village map («Цифровая карта села», review section 1.8) in one FastAPI app.

Every request opens its own read-only DuckDB connection and calls the jobs' service functions; the web adds no
methodology of its own. The one exception is POST /api/import (data entry by the ministry and the akimats, with a
bearer token): it opens a writable connection for that request only and goes through the importer. Every payload says whether it comes from synthetic data ("synthetic": true/false)."""

from __future__ import annotations

import datetime as dt
import math
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import duckdb
import polars as pl
from fastapi import Depends, FastAPI, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from aimaq.errors import AimaqError, AmbiguousNameError, UnknownNameError
from aimaq.web.formats import TableFormat, table_response

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
    """One read-only connection per request, closed when the response has been sent."""
    from aimaq.store.db import connect

    con = connect(request.app.state.db_path, read_only=True)
    try:
        yield con
    finally:
        con.close()


Con = Annotated[duckdb.DuckDBPyConnection, Depends(_connection)]


class NotFound(AimaqError):
    """A resource the database does not hold (no run, no classification)."""


def create_app(db_path: str | Path) -> FastAPI:
    """The app over the database at `db_path` (opened read-only per request; writable only for POST /api/import)."""
    db_path = str(db_path)
    app = FastAPI(title="Aimaq", description="Мониторинг регионального развития Казахстана: REST API и цифровая "
                  "карта села. Данные с флагом synthetic=true — синтетические.", version="0.1.0")
    app.state.db_path = db_path

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

        status = 404 if isinstance(exc, (NotFound, NoForecastRun)) else 422
        return JSONResponse(status_code=status, content={"detail": str(exc)})

    @app.exception_handler(duckdb.Error)
    async def _database(request: Request, exc: duckdb.Error):
        # the web is read-only: a service that would compute and store a missing result cannot; say what to run
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

    # --- data entry (the only endpoint with a writable connection) -----------------------------------------------
    if _multipart_available():
        @app.post("/api/import", tags=["import"],
                  summary="Загрузка данных (CSV/XLSX) — министерство или акимат своего региона",
                  responses={401: {"description": "нет токена или токен неверен"},
                             422: {"description": "проблемы в файле: ничего не записано"}})
        def upload(file: Annotated[UploadFile, File(description="CSV или XLSX, как для `aimaq import`")],
                   dry_run: Annotated[bool, Form(description="Только проверить: ничего не записывать")] = False,
                   authorization: Annotated[str | None, Header(description="Bearer <токен>")] = None):
            return _import_upload(app.state.db_path, authorization, file, dry_run)
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

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index():
        return (resources.files("aimaq.web") / "templates" / "map.html").read_text(encoding="utf-8")

    return app


def _multipart_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("python_multipart") is not None


def _unauthorized(detail: str) -> JSONResponse:
    return JSONResponse(status_code=401, content={"detail": detail}, headers={"WWW-Authenticate": "Bearer"})


def _import_upload(db_path: str, authorization: str | None, file: UploadFile, dry_run: bool):
    """Authenticate, then import through the importer in a connection opened writable for this request only."""
    from dataclasses import asdict

    from aimaq.errors import ValidationFailed
    from aimaq.store.db import connect
    from aimaq.web.upload import import_upload
    from aimaq.web.users import authenticate

    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorized("нужен заголовок Authorization: Bearer <токен> / a bearer token is required")
    data = file.file.read()
    try:
        con = connect(db_path)
    except AimaqError as exc:  # another connection holds the file in another mode: the client may retry
        return JSONResponse(status_code=503, content={"detail": f"база данных занята, повторите позже: {exc}"})
    try:
        user = authenticate(con, token.strip())
        if user is None:
            return _unauthorized("токен неверен или отключён / invalid or inactive token")
        try:
            result = import_upload(con, user, file.filename or "upload.csv", data, dry_run=dry_run)
        except ValidationFailed as exc:
            return JSONResponse(status_code=422, content={
                "detail": str(exc), "problems": [asdict(p) for p in exc.problems]})
        return {"added": result.added, "revised": result.revised, "unchanged": result.unchanged,
                "import_id": result.import_id, "dry_run": result.dry_run, "file": result.file,
                "layout": result.layout, "user": user.name}
    finally:
        con.close()


def _territory_versions(con, kato: str) -> pl.DataFrame:
    """Every version of the territory `kato` (a 9-digit code, or a name resolved through the registry)."""
    from aimaq.territory.repository import load_name_index, territories

    frame = territories(con)
    code = kato.strip()
    if not (code.isdigit() and len(code) == 9):
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
