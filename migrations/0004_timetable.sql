-- The CIF timetable (railfair import cif): one row per schedule, keyed as CIF keys it (train UID,
-- date runs from, STP indicator), and its calls in order. Which schedule of a UID runs on a day
-- is decided on reading (domain::stp), not stored. Times are seconds after midnight of the
-- service day (past 86400 after midnight on an overnight train); NULL where CIF has none.
-- Imports are recorded in import_runs (kind 'cif').
CREATE TABLE timetable_schedules (
    id            INTEGER PRIMARY KEY,
    uid           TEXT NOT NULL,
    runs_from     TEXT NOT NULL,
    stp           TEXT NOT NULL CHECK (stp IN ('C', 'N', 'O', 'P')),
    runs_to       TEXT NOT NULL,
    -- Seven 0/1 characters, Monday first.
    days_run      TEXT NOT NULL CHECK (length(days_run) = 7),
    -- 'X', 'G' or 'E'; NULL when the train runs on bank holidays as on other days.
    bank_holiday  TEXT,
    status        TEXT,
    category      TEXT,
    identity      TEXT,
    service_code  TEXT,
    -- ATOC code from the BX record.
    operator      TEXT,
    -- xxh3 of the schedule's records, to tell an unchanged schedule on a second import.
    fingerprint   BIGINT NOT NULL,
    UNIQUE (uid, runs_from, stp)
);
-- The day's schedules: runs_from <= day AND runs_to >= day.
CREATE INDEX timetable_schedules_dates ON timetable_schedules (runs_from, runs_to);

CREATE TABLE timetable_calls (
    schedule_id       INTEGER NOT NULL REFERENCES timetable_schedules (id),
    seq               INTEGER NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('LO', 'LI', 'LT')),
    tiploc            TEXT NOT NULL,
    suffix            TEXT,
    arrival           INTEGER,
    departure         INTEGER,
    pass              INTEGER,
    public_arrival    INTEGER,
    public_departure  INTEGER,
    platform          TEXT,
    activity          TEXT NOT NULL,
    PRIMARY KEY (schedule_id, seq)
);
CREATE INDEX timetable_calls_tiploc ON timetable_calls (tiploc);
