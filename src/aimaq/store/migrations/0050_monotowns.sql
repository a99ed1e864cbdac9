-- Monotowns: the registry (list 2023, the 7 dropped, КПР), town-level indicator values (published or synthetic),
-- classification runs by development potential with spec provenance.
CREATE TABLE monotown (
    name_ru                VARCHAR PRIMARY KEY,   -- as the review writes it («Абай (город)»)
    name_kk                VARCHAR,
    name_en                VARCHAR,
    region                 VARCHAR NOT NULL,      -- the review's spelling (Table 5)
    region_kato            VARCHAR NOT NULL,
    kato                   VARCHAR NOT NULL,      -- the town in the registry (second-level unit or settlement)
    territory_level        VARCHAR NOT NULL,
    specialisation_group   VARCHAR,
    specialisation_subtype VARCHAR,
    in_list_2023           BOOLEAN NOT NULL,
    reason_dropped         VARCHAR,
    kpr                    BOOLEAN NOT NULL,      -- has a comprehensive development plan (КПР)
    mentions               VARCHAR,
    source                 VARCHAR NOT NULL
);

CREATE TABLE monotown_value (
    kato      VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,
    year      INTEGER NOT NULL,
    value     DOUBLE NOT NULL,
    published BOOLEAN NOT NULL,                   -- the review's own figure (kept as published)
    synthetic BOOLEAN NOT NULL,                   -- drawn by the seeded generator
    seed      INTEGER,
    spec_name VARCHAR,
    spec_version VARCHAR,
    PRIMARY KEY (kato, indicator, year)
);

CREATE SEQUENCE monotown_run_id_seq START 1;
CREATE TABLE monotown_run (
    run_id       INTEGER PRIMARY KEY DEFAULT nextval('monotown_run_id_seq'),
    spec_name    VARCHAR NOT NULL,
    spec_version VARCHAR NOT NULL,
    spec_sha256  VARCHAR NOT NULL,
    code_version VARCHAR NOT NULL,
    year         INTEGER NOT NULL,
    computed_at  TIMESTAMP NOT NULL,
    synthetic    BOOLEAN NOT NULL
);

CREATE TABLE monotown_class (
    run_id    INTEGER NOT NULL,
    kato      VARCHAR NOT NULL,
    name_ru   VARCHAR NOT NULL,
    score     DOUBLE NOT NULL,
    rank      INTEGER NOT NULL,
    potential VARCHAR NOT NULL CHECK (potential IN ('high', 'medium', 'low')),
    PRIMARY KEY (run_id, kato)
);

CREATE TABLE monotown_direction_score (
    run_id    INTEGER NOT NULL,
    kato      VARCHAR NOT NULL,
    direction VARCHAR NOT NULL,
    score     DOUBLE NOT NULL,
    PRIMARY KEY (run_id, kato, direction)
);
