-- System of regional standards (issue 4): facility inventory, runs with spec provenance, coverage results, plans.
-- Settlement service levels (e.g. water_central_pct) are ordinary observations (kato, indicator, period = year).
CREATE TABLE srs_facility (
    inventory_year INTEGER NOT NULL,       -- the year whose state the inventory describes
    facility_id    BIGINT  NOT NULL,
    kato           VARCHAR,                -- settlement where the facility is registered (NULL: outside any)
    facility       VARCHAR NOT NULL,       -- type, as named in the catalogue rules (school, medical_point, ...)
    name           VARCHAR,
    lat            DOUBLE  NOT NULL,
    lon            DOUBLE  NOT NULL,
    capacity       DOUBLE,
    wear_pct       DOUBLE,                 -- physical wear, %
    condition      VARCHAR,                -- good, satisfactory, emergency (emergency does not count)
    year_built     INTEGER,
    synthetic      BOOLEAN NOT NULL DEFAULT FALSE,
    import_id      INTEGER,
    PRIMARY KEY (inventory_year, facility_id)
);

CREATE SEQUENCE srs_run_id_seq START 1;
CREATE TABLE srs_run (
    run_id       INTEGER PRIMARY KEY DEFAULT nextval('srs_run_id_seq'),
    kind         VARCHAR NOT NULL CHECK (kind IN ('coverage', 'synthetic_inventory', 'plan')),
    year         INTEGER NOT NULL,
    spec_name    VARCHAR NOT NULL,
    spec_version VARCHAR NOT NULL,
    spec_sha256  VARCHAR NOT NULL,
    code_version VARCHAR NOT NULL,
    computed_at  TIMESTAMP NOT NULL,
    synthetic    BOOLEAN NOT NULL,        -- computed from synthetic inputs
    params       VARCHAR,                 -- JSON
    notes        VARCHAR
);

CREATE TABLE srs_coverage_settlement (
    run_id       INTEGER NOT NULL,
    kato         VARCHAR NOT NULL,
    category     VARCHAR NOT NULL,
    population   BIGINT,
    n_applicable INTEGER NOT NULL,
    n_met        INTEGER NOT NULL,
    coverage_pct DOUBLE NOT NULL,
    PRIMARY KEY (run_id, kato)
);

-- one row per applicable item of each settlement
CREATE TABLE srs_coverage_item (
    run_id INTEGER NOT NULL,
    kato   VARCHAR NOT NULL,
    item   VARCHAR NOT NULL,
    met    BOOLEAN NOT NULL,
    PRIMARY KEY (run_id, kato, item)
);

CREATE TABLE srs_coverage_aggregate (
    run_id        INTEGER NOT NULL,
    level         VARCHAR NOT NULL,       -- country, region, district
    kato          VARCHAR NOT NULL,
    grp           VARCHAR NOT NULL,       -- all, cities, villages
    direction     VARCHAR NOT NULL,       -- '' for all directions
    n_settlements INTEGER NOT NULL,
    population    BIGINT,
    coverage_pct  DOUBLE NOT NULL,        -- unweighted mean over settlements (headline)
    coverage_pct_popweighted DOUBLE NOT NULL,
    coverage_pct_prev DOUBLE,
    change_pp     DOUBLE,
    anomaly       BOOLEAN,
    anomaly_reason VARCHAR,
    PRIMARY KEY (run_id, level, kato, grp, direction)
);

CREATE TABLE srs_synthetic_calibration (
    run_id       INTEGER NOT NULL,
    region_kato  VARCHAR NOT NULL,
    n_settlements INTEGER NOT NULL,
    target_pct   DOUBLE,
    target_note  VARCHAR,
    achieved_pct DOUBLE NOT NULL,
    residual_pp  DOUBLE,
    theta        DOUBLE NOT NULL,
    PRIMARY KEY (run_id, region_kato)
);

CREATE TABLE srs_plan_project (
    run_id     INTEGER NOT NULL,
    method     VARCHAR NOT NULL,          -- ilp, greedy
    kato       VARCHAR NOT NULL,
    item       VARCHAR NOT NULL,
    cost_mln   DOUBLE NOT NULL,
    gain       DOUBLE NOT NULL,           -- objective gain attributed to the project alone
    PRIMARY KEY (run_id, method, kato, item)
);
