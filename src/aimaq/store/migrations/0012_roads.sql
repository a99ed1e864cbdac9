-- Road network for the standards' within-km rules (issue 4): undirected edges between settlements, km by road.
-- Every import (`aimaq standards import-roads`) is a whole version of the network under its own import_id
-- (import_batch, layout 'srs_roads'); coverage uses the edges of the latest import. With --append the previous
-- version's edges are copied into the new one, so older versions stay as they were loaded.
CREATE TABLE srs_road_edge (
    import_id  INTEGER NOT NULL,            -- import_batch.import_id of the network version
    from_kato  VARCHAR NOT NULL,            -- settlement codes, from_kato < to_kato (the edge is undirected)
    to_kato    VARCHAR NOT NULL,
    km         DOUBLE  NOT NULL CHECK (km > 0),
    source     VARCHAR NOT NULL,            -- who measured it (--source, default: the file name)
    loaded_at  TIMESTAMP NOT NULL,          -- when the row was first loaded (kept when copied by --append)
    file       VARCHAR NOT NULL,            -- the file, sheet and row the edge came from
    sheet      VARCHAR,
    row_number INTEGER,
    from_text  VARCHAR,                     -- the cells as written (a name when the code was resolved from one)
    to_text    VARCHAR,
    PRIMARY KEY (import_id, from_kato, to_kato),
    CHECK (from_kato < to_kato)
);
