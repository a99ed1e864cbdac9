-- Users of the server (issue 13): five roles, an optional password (argon2 hash), API tokens that expire and can
-- be revoked, log-in sessions and log-in attempts (for the rate limit). Replaces 0060's web_user; its users keep
-- their ids and their tokens (valid for a year from their creation).
CREATE TABLE web_account (
    user_id       INTEGER PRIMARY KEY DEFAULT nextval('web_user_id_seq'),
    name          VARCHAR NOT NULL UNIQUE,
    role          VARCHAR NOT NULL CHECK (role IN ('viewer', 'akimat', 'analyst', 'ministry', 'admin')),
    region_kato   VARCHAR,                 -- an akimat's region (9-digit KATO); NULL for every other role
    password_hash VARCHAR,                 -- argon2id; NULL: no log-in with a password (tokens only)
    created_at    TIMESTAMP NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    CHECK ((role = 'akimat' AND region_kato IS NOT NULL) OR (role <> 'akimat' AND region_kato IS NULL))
);
INSERT INTO web_account (user_id, name, role, region_kato, created_at, active)
SELECT user_id, name, role, region_kato, created_at, active FROM web_user;

CREATE SEQUENCE api_token_id_seq START 1;
CREATE TABLE api_token (
    token_id     INTEGER PRIMARY KEY DEFAULT nextval('api_token_id_seq'),
    user_id      INTEGER NOT NULL,
    token_sha256 VARCHAR NOT NULL UNIQUE,  -- only the hash; the token is shown once
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);
INSERT INTO api_token (user_id, token_sha256, created_at, expires_at)
SELECT user_id, token_sha256, created_at, created_at + INTERVAL '365 days' FROM web_user;
DROP TABLE web_user;

CREATE TABLE web_session (
    session_sha256 VARCHAR PRIMARY KEY,    -- only the hash of the cookie's value
    user_id        INTEGER NOT NULL,
    csrf_token     VARCHAR NOT NULL,       -- forms and scripts send it back (X-CSRF-Token or a csrf_token field)
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    ip             VARCHAR
);

CREATE TABLE login_attempt (
    name VARCHAR NOT NULL,
    ip   VARCHAR,
    tried_at TIMESTAMP NOT NULL,
    ok   BOOLEAN NOT NULL
);
