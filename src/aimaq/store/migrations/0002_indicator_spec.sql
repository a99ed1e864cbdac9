-- The importer's checks per indicator: a plausible range, the period granularities it is published in
-- (year, quarter, month, date; several joined with |), and its kind (observed, target, forecast: only targets and
-- forecasts may have periods after the current year). NULL min/max: the unit's default range (aimaq.ingest.units).
ALTER TABLE indicator ADD COLUMN min_value DOUBLE;
ALTER TABLE indicator ADD COLUMN max_value DOUBLE;
ALTER TABLE indicator ADD COLUMN granularity VARCHAR DEFAULT 'year';
ALTER TABLE indicator ADD COLUMN kind VARCHAR DEFAULT 'observed';
