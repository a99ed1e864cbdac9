-- Demographic forecast (issue 5): runs with spec provenance, results by region/area/year, indicators,
-- growth decomposition, the comparison with the review, single-age populations (pyramids), backtests.
-- region_code is the 9-digit KATO code; the country is '000000000'.
CREATE SEQUENCE forecast_run_id_seq START 1;
CREATE TABLE forecast_run (
    run_id       INTEGER PRIMARY KEY DEFAULT nextval('forecast_run_id_seq'),
    kind         VARCHAR NOT NULL CHECK (kind IN ('forecast', 'backtest')),
    scenario     VARCHAR NOT NULL,
    levers       VARCHAR,                 -- JSON, e.g. {"attractiveness": {"470000000": 0.1}}
    spec_name    VARCHAR NOT NULL,
    spec_version VARCHAR NOT NULL,
    spec_sha256  VARCHAR NOT NULL,        -- sha256 of the spec as canonical JSON (sorted keys)
    base_year    INTEGER NOT NULL,        -- population on 1 January of this year
    to_year      INTEGER NOT NULL,        -- last 1 January projected
    draws        INTEGER NOT NULL,        -- trajectories behind the intervals (0: none)
    seed         BIGINT NOT NULL,
    code_version VARCHAR NOT NULL,        -- aimaq.__version__
    created_at   TIMESTAMP NOT NULL,
    synthetic    BOOLEAN NOT NULL,        -- computed from synthetic inputs (never for the package data)
    assumptions  VARCHAR NOT NULL,        -- the spec's assumptions this run depends on (A1..A8)
    notes        VARCHAR
);

CREATE TABLE forecast_result (
    run_id       INTEGER NOT NULL,
    region_code  VARCHAR NOT NULL,
    area         VARCHAR NOT NULL CHECK (area IN ('total', 'urban', 'rural')),
    year         INTEGER NOT NULL,        -- 1 January
    population   DOUBLE NOT NULL,         -- deterministic (scenario) path
    lower80      DOUBLE,
    upper80      DOUBLE,
    lower95      DOUBLE,
    upper95      DOUBLE,
    urban_share  DOUBLE,                  -- for area = 'total'
    urban_share_assumption BOOLEAN NOT NULL,  -- the urban/rural split rests on assumption A1
    PRIMARY KEY (run_id, region_code, area, year)
);

CREATE TABLE forecast_indicator (
    run_id              INTEGER NOT NULL,
    region_code         VARCHAR NOT NULL,
    year                INTEGER NOT NULL,
    population          DOUBLE NOT NULL,
    urban_share         DOUBLE NOT NULL,
    share_65plus        DOUBLE NOT NULL,
    dependency_15_64    DOUBLE NOT NULL,  -- (0-14 + 65+) / 15-64
    dependency_national DOUBLE NOT NULL,  -- non-working-age / working age (men 16-62, women 16-60)
    PRIMARY KEY (run_id, region_code, year)
);

CREATE TABLE forecast_decomposition (
    run_id                  INTEGER NOT NULL,
    region_code             VARCHAR NOT NULL,
    from_year               INTEGER NOT NULL,
    to_year                 INTEGER NOT NULL,
    growth                  DOUBLE NOT NULL,
    natural_increase        DOUBLE NOT NULL,
    internal_migration      DOUBLE NOT NULL,
    international_migration DOUBLE NOT NULL,
    residual                DOUBLE NOT NULL,  -- from negative-population guards, normally ~0
    PRIMARY KEY (run_id, region_code)
);

CREATE TABLE forecast_comparison (
    run_id     INTEGER NOT NULL,
    measure    VARCHAR NOT NULL,
    label      VARCHAR NOT NULL,          -- in Russian
    review     DOUBLE NOT NULL,
    aimaq      DOUBLE NOT NULL,
    difference DOUBLE NOT NULL,
    why        VARCHAR NOT NULL,
    PRIMARY KEY (run_id, measure)
);

-- deterministic single-age populations (pyramids): region × area × sex × age × year
CREATE TABLE forecast_population (
    run_id      INTEGER NOT NULL,
    region_code VARCHAR NOT NULL,
    area        VARCHAR NOT NULL CHECK (area IN ('urban', 'rural')),
    sex         VARCHAR NOT NULL CHECK (sex IN ('male', 'female')),
    age         INTEGER NOT NULL,         -- 100 = 100+
    year        INTEGER NOT NULL,
    population  DOUBLE NOT NULL,
    PRIMARY KEY (run_id, region_code, area, sex, age, year)
);

-- backtest runs (kind = 'backtest'): one row per unit of the base year's map
CREATE TABLE forecast_backtest (
    run_id     INTEGER NOT NULL,
    unit_code  VARCHAR NOT NULL,
    unit       VARCHAR NOT NULL,
    base       DOUBLE NOT NULL,
    actual     DOUBLE NOT NULL,
    projected  DOUBLE NOT NULL,
    error_pct  DOUBLE NOT NULL,
    lower80    DOUBLE NOT NULL,
    upper80    DOUBLE NOT NULL,
    in80       BOOLEAN NOT NULL,
    lower95    DOUBLE NOT NULL,
    upper95    DOUBLE NOT NULL,
    in95       BOOLEAN NOT NULL,
    PRIMARY KEY (run_id, unit_code)
);
