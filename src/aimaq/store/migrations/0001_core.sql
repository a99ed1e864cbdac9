-- Core schema: territorial registry, indicators, sources, append-only observations.
CREATE TABLE territory (
    kato        VARCHAR NOT NULL,          -- 9-digit KATO code (AB CD EF HIJ)
    name_ru     VARCHAR NOT NULL,
    name_kk     VARCHAR,
    name_en     VARCHAR,
    level       VARCHAR NOT NULL CHECK (level IN ('country', 'region', 'district', 'okrug', 'settlement')),
    kind        VARCHAR NOT NULL,          -- oblast, city_republican, city_oblast, district, rural_okrug, village, ...
    parent_kato VARCHAR,
    valid_from  DATE NOT NULL DEFAULT DATE '1991-12-16',
    valid_to    DATE,                      -- NULL: still valid
    lat         DOUBLE,
    lon         DOUBLE,
    population  BIGINT,                    -- reference population of a settlement (1 Jan 2023) where known
    synthetic   BOOLEAN NOT NULL DEFAULT FALSE,
    source      VARCHAR,
    PRIMARY KEY (kato, valid_from)
);

-- Other names a territory is written with: former names, abbreviations, transliterations, other languages.
CREATE TABLE territory_alias (
    kato   VARCHAR NOT NULL,
    alias  VARCHAR NOT NULL,
    kind   VARCHAR NOT NULL,               -- official, former, abbreviation, transliteration, variant
    lang   VARCHAR,
    valid_to DATE                          -- for a former name: when it stopped being used
);

CREATE TABLE territory_event (
    event_id     INTEGER PRIMARY KEY,
    date         DATE NOT NULL,
    kind         VARCHAR NOT NULL CHECK (kind IN ('split', 'merge', 'rename', 'status_change', 'create', 'centre_move')),
    codes_before VARCHAR[] NOT NULL,
    codes_after  VARCHAR[] NOT NULL,
    description_ru VARCHAR NOT NULL,
    description_en VARCHAR,
    source       VARCHAR
);

CREATE TABLE territory_geometry (
    kato      VARCHAR NOT NULL,
    valid_from DATE NOT NULL,
    geojson   VARCHAR NOT NULL,            -- WGS84 GeoJSON geometry (simplified boundaries, not legal ones)
    source    VARCHAR,
    PRIMARY KEY (kato, valid_from)
);

CREATE TABLE indicator (
    code        VARCHAR PRIMARY KEY,
    name_ru     VARCHAR NOT NULL,
    name_kk     VARCHAR,
    name_en     VARCHAR,
    unit        VARCHAR NOT NULL,
    polarity    INTEGER NOT NULL DEFAULT 0 CHECK (polarity IN (-1, 0, 1)),
    domain      VARCHAR,
    description VARCHAR
);

CREATE SEQUENCE source_id_seq START 1;
CREATE TABLE source (
    source_id INTEGER PRIMARY KEY DEFAULT nextval('source_id_seq'),
    publisher VARCHAR NOT NULL,
    title     VARCHAR NOT NULL,
    date      VARCHAR,
    place     VARCHAR,                     -- where within the source (table, figure, section)
    licence   VARCHAR,
    url       VARCHAR,
    UNIQUE (publisher, title, place)
);

CREATE SEQUENCE import_id_seq START 1;
CREATE TABLE import_batch (
    import_id  INTEGER PRIMARY KEY DEFAULT nextval('import_id_seq'),
    file       VARCHAR NOT NULL,
    sha256     VARCHAR,
    layout     VARCHAR,
    loaded_at  TIMESTAMP NOT NULL,
    rows_added INTEGER NOT NULL,
    rows_revised INTEGER NOT NULL,
    rows_unchanged INTEGER NOT NULL
);

-- Append-only: a new value for an existing key is a new revision; nothing is updated or deleted.
CREATE TABLE observation (
    kato       VARCHAR NOT NULL,
    indicator  VARCHAR NOT NULL,
    period     VARCHAR NOT NULL,           -- '2023', '2019-2023', '2024-06-01'
    breakdown  VARCHAR NOT NULL DEFAULT '',-- extra dimension, key=value;key=value ('' if none)
    value      DOUBLE,                     -- NULL only for a published «н/д»
    revision   INTEGER NOT NULL,
    source_id  INTEGER,
    import_id  INTEGER,
    loaded_at  TIMESTAMP NOT NULL,
    synthetic  BOOLEAN NOT NULL DEFAULT FALSE,
    flag       VARCHAR,                    -- a published inconsistency, kept as published and flagged
    note       VARCHAR,
    PRIMARY KEY (kato, indicator, period, breakdown, revision)
);

CREATE VIEW observation_latest AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY kato, indicator, period, breakdown ORDER BY revision DESC) AS rn
    FROM observation
) WHERE rn = 1;
