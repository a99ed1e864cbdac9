-- Approval (issue 13): an akimat's upload waits as a pending batch, its rows in pending_observation, until the
-- ministry approves it (its rows then become revisions in observation) or rejects it with a reason. Batches loaded
-- before approval existed are approved.
ALTER TABLE import_batch ADD COLUMN status VARCHAR DEFAULT 'approved';
ALTER TABLE import_batch ADD COLUMN decided_by VARCHAR;
ALTER TABLE import_batch ADD COLUMN decided_at TIMESTAMP;
ALTER TABLE import_batch ADD COLUMN reason VARCHAR;

CREATE TABLE pending_observation (
    import_id  INTEGER NOT NULL,
    kato       VARCHAR NOT NULL,
    indicator  VARCHAR NOT NULL,
    period     VARCHAR NOT NULL,
    breakdown  VARCHAR NOT NULL DEFAULT '',
    value      DOUBLE,
    source_id  INTEGER,
    flag       VARCHAR,
    note       VARCHAR,
    PRIMARY KEY (import_id, kato, indicator, period, breakdown)
);

-- Append-only: who did what, when, from where, with the old and the new value. Nothing updates or deletes it.
CREATE SEQUENCE audit_id_seq START 1;
CREATE TABLE audit_log (
    audit_id   INTEGER PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    happened_at TIMESTAMP NOT NULL,
    user_name  VARCHAR,
    role       VARCHAR,
    action     VARCHAR NOT NULL,           -- upload, approve, reject, correct, login, login_failed, user_add, ...
    object     VARCHAR,                    -- batch:12, observation:kato/indicator/period/breakdown, user:name
    ip         VARCHAR,
    old_value  VARCHAR,
    new_value  VARCHAR,
    reason     VARCHAR
);
