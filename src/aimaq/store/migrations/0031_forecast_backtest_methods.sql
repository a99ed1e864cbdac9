-- Backtest of the model beside simple methods at several origins (aimaq forecast backtest --origins ...).
CREATE TABLE forecast_backtest_method (
    run_id     INTEGER NOT NULL,
    origin     INTEGER NOT NULL,          -- 1 January of the last year every method saw
    horizon    INTEGER NOT NULL,          -- years ahead
    method     VARCHAR NOT NULL,          -- aimaq, constant_growth, linear_trend, constant_share
    unit_code  VARCHAR NOT NULL,          -- KATO of the unit on the origin's map
    unit       VARCHAR NOT NULL,
    actual     DOUBLE NOT NULL,
    projected  DOUBLE NOT NULL,
    error_pct  DOUBLE NOT NULL,
    lower80    DOUBLE,                    -- the model's 80% interval; NULL for the simple methods
    upper80    DOUBLE,
    PRIMARY KEY (run_id, origin, horizon, method, unit_code)
);
