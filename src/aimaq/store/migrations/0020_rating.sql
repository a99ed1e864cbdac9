-- City quality-of-life rating (aimaq.rating): survey answers, computed runs and their results.
-- Published scores (Table 2 of the review) stay in `observation` (indicator qol_score); nothing here overwrites them.

-- Respondent-level survey (real or synthetic). answer NULL = «затрудняюсь ответить».
CREATE TABLE rating_survey_respondent (
    survey_year   INTEGER NOT NULL,
    respondent_id BIGINT NOT NULL,
    kato          VARCHAR NOT NULL,
    weight        DOUBLE NOT NULL CHECK (weight > 0),
    synthetic     BOOLEAN NOT NULL DEFAULT FALSE,
    source        VARCHAR,
    PRIMARY KEY (survey_year, respondent_id)
);
CREATE TABLE rating_survey_answer (
    survey_year   INTEGER NOT NULL,
    respondent_id BIGINT NOT NULL,
    item          VARCHAR NOT NULL,           -- survey item code of specs/rating/catalogue.yaml
    answer        TINYINT CHECK (answer BETWEEN 0 AND 10)
);

-- One computation: the data of `data_year` scored under the methodology of `spec_year`
-- (data_year = spec_year: the rating of that year; data_year < spec_year: an earlier year recomputed).
CREATE SEQUENCE rating_run_seq START 1;
CREATE TABLE rating_run (
    run_id           INTEGER PRIMARY KEY DEFAULT nextval('rating_run_seq'),
    data_year        INTEGER NOT NULL,
    spec_year        INTEGER NOT NULL,
    spec_name        VARCHAR NOT NULL,
    spec_version     VARCHAR NOT NULL,
    spec_sha256      VARCHAR NOT NULL,
    data_fingerprint VARCHAR NOT NULL,        -- sha256 of the raw indicator matrix (composite engine)
    code_version     VARCHAR NOT NULL,
    synthetic        BOOLEAN NOT NULL,        -- any input row synthetic
    computed_at      TIMESTAMP NOT NULL,
    cities           INTEGER NOT NULL,
    missing_indicators VARCHAR[],             -- indicators of the spec with no data that year
    methodology_log  VARCHAR                  -- the engine's log (YAML): regenerates the result
);
CREATE TABLE rating_result (
    run_id   INTEGER NOT NULL,
    kato     VARCHAR NOT NULL,
    node     VARCHAR NOT NULL,                -- qol (index), factor code, <factor>_stat / <factor>_srv block
    level    VARCHAR NOT NULL CHECK (level IN ('index', 'factor', 'block')),
    score    DOUBLE NOT NULL,                 -- 0–10 points
    rank     INTEGER,
    coverage DOUBLE,                          -- share of the index weight with data for the city
    PRIMARY KEY (run_id, kato, node)
);
CREATE TABLE rating_riskmap (
    run_id    INTEGER NOT NULL,
    item      VARCHAR NOT NULL,
    mean      DOUBLE NOT NULL,
    quadrant  INTEGER NOT NULL,
    n_cities  INTEGER NOT NULL,
    PRIMARY KEY (run_id, item)
);

-- The latest run of every (data_year, spec_year) with its results and provenance.
CREATE VIEW rating_result_latest AS
SELECT r.data_year, r.spec_year, x.kato, x.node, x.level, x.score, x.rank, x.coverage,
       r.spec_name, r.spec_version, r.spec_sha256, r.data_fingerprint, r.code_version, r.synthetic, r.run_id,
       r.computed_at
FROM rating_result x JOIN rating_run r USING (run_id)
WHERE r.run_id = (SELECT max(run_id) FROM rating_run q WHERE q.data_year = r.data_year AND q.spec_year = r.spec_year);
