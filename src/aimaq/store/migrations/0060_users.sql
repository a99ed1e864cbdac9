-- Web users (ministry and regional akimats) and who imported each batch through the web.
-- Only the SHA-256 of a token is kept; the token itself is shown once, when the user is added.
CREATE SEQUENCE web_user_id_seq START 1;
CREATE TABLE web_user (
    user_id      INTEGER PRIMARY KEY DEFAULT nextval('web_user_id_seq'),
    name         VARCHAR NOT NULL UNIQUE,
    role         VARCHAR NOT NULL CHECK (role IN ('ministry', 'akimat')),
    region_kato  VARCHAR,                 -- the akimat's region (9-digit KATO); NULL for the ministry
    token_sha256 VARCHAR NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    CHECK ((role = 'ministry' AND region_kato IS NULL) OR (role = 'akimat' AND region_kato IS NOT NULL))
);

-- One row per import batch loaded through the web (import_batch.import_id).
CREATE TABLE import_user (
    import_id  INTEGER PRIMARY KEY,
    user_name  VARCHAR NOT NULL
);
