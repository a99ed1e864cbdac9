-- Villages with development potential (issue 4 part 5): classification runs with spec provenance.
CREATE SEQUENCE rural_run_id_seq START 1;
CREATE TABLE rural_run (
    run_id       INTEGER PRIMARY KEY DEFAULT nextval('rural_run_id_seq'),
    spec_name    VARCHAR NOT NULL,
    spec_version VARCHAR NOT NULL,
    spec_sha256  VARCHAR NOT NULL,
    code_version VARCHAR NOT NULL,
    computed_at  TIMESTAMP NOT NULL,
    synthetic    BOOLEAN NOT NULL,
    notes        VARCHAR
);

CREATE TABLE rural_village_class (
    run_id          INTEGER NOT NULL,
    kato            VARCHAR NOT NULL,
    role            VARCHAR NOT NULL CHECK (role IN ('support', 'satellite', 'other')),
    potential       VARCHAR NOT NULL CHECK (potential IN ('high', 'medium', 'low')),
    with_potential  BOOLEAN NOT NULL,
    score           DOUBLE NOT NULL,
    score_economic  DOUBLE,
    score_infrastructure DOUBLE,
    score_demographic DOUBLE,
    score_geospatial DOUBLE,
    anchor_kato     VARCHAR,              -- for a satellite: the support village or town it is near
    anchor_km       DOUBLE,
    population      BIGINT,
    population_2019 BIGINT,
    PRIMARY KEY (run_id, kato)
);
