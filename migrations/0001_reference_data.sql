-- RailFair reference data and route history (design §2).
-- Written to run unchanged on PostgreSQL later: no SQLite-only types, no AUTOINCREMENT, portable
-- upserts. Dates are ISO-8601 text (YYYY-MM-DD), times 'YYYY-MM-DDTHH:MM:SS' local wall time.

-- Stations: NaPTAN gives names and positions, ORR table 1410 gives codes, owner and usage; the
-- built-in starter set provides a subset of the same columns. `source` says who wrote the name.
CREATE TABLE stations (
    crs              TEXT PRIMARY KEY CHECK (length(crs) = 3),
    name             TEXT NOT NULL,
    lat              DOUBLE PRECISION,
    lon              DOUBLE PRECISION,
    easting          DOUBLE PRECISION,
    northing         DOUBLE PRECISION,
    nlc              TEXT,
    region           TEXT,
    facility_owner   TEXT,
    -- ATOC code of the facility owner when it is a train operator (NULL for Network Rail etc.).
    facility_owner_toc TEXT,
    -- Annual entries and exits (ORR 1410); ranks autocomplete results.
    entries_exits    BIGINT,
    source           TEXT NOT NULL CHECK (source IN ('starter', 'naptan', 'orr_1410'))
);
CREATE INDEX stations_nlc ON stations (nlc);

-- Every TIPLOC of a station (NaPTAN keeps several for CLJ, VIC, RDG ...).
CREATE TABLE station_tiplocs (
    tiploc    TEXT PRIMARY KEY,
    crs       TEXT NOT NULL REFERENCES stations (crs),
    atco_code TEXT NOT NULL
);
CREATE INDEX station_tiplocs_crs ON station_tiplocs (crs);

-- Autocomplete: each lower-case word of a station name, so a prefix search is an index range
-- scan instead of a LIKE '%...%' over every station.
CREATE TABLE station_search_terms (
    term TEXT NOT NULL,
    crs  TEXT NOT NULL REFERENCES stations (crs),
    PRIMARY KEY (term, crs)
);
CREATE INDEX station_search_terms_crs ON station_search_terms (crs);

-- Train operating companies. `orr_series` names the ORR 3138 series whose punctuality applies
-- (Govia Thameslink Railway is one series for GN, TL, SN and GX).
CREATE TABLE operators (
    toc                TEXT PRIMARY KEY CHECK (length(toc) = 2),
    name               TEXT NOT NULL,
    orr_series         TEXT NOT NULL,
    delay_repay_scheme TEXT NOT NULL CHECK (delay_repay_scheme IN ('DR15', 'DR30'))
);
CREATE INDEX operators_orr_series ON operators (orr_series);

-- Names ORR table 1410 uses for an operator as station facility owner.
CREATE TABLE operator_aliases (
    alias TEXT PRIMARY KEY,
    toc   TEXT NOT NULL REFERENCES operators (toc)
);

-- ORR table 3138 exactly as published: one row per series (operator, or Great Britain / England
-- and Wales / Scotland) per rail period. Shares are cumulative percentages; NULL is ORR's [z].
CREATE TABLE operator_punctuality (
    series       TEXT NOT NULL,
    rail_year    INTEGER NOT NULL,
    period       INTEGER NOT NULL CHECK (period BETWEEN 1 AND 13),
    period_start TEXT NOT NULL,
    period_end   TEXT NOT NULL,
    stops        BIGINT,
    early        DOUBLE PRECISION,
    on_time      DOUBLE PRECISION,
    t3           DOUBLE PRECISION,
    t5           DOUBLE PRECISION,
    t10          DOUBLE PRECISION,
    t15          DOUBLE PRECISION,
    t20          DOUBLE PRECISION,
    t30          DOUBLE PRECISION,
    mat_stops    BIGINT,
    early_maa    DOUBLE PRECISION,
    on_time_maa  DOUBLE PRECISION,
    t3_maa       DOUBLE PRECISION,
    t5_maa       DOUBLE PRECISION,
    t10_maa      DOUBLE PRECISION,
    t15_maa      DOUBLE PRECISION,
    t20_maa      DOUBLE PRECISION,
    t30_maa      DOUBLE PRECISION,
    PRIMARY KEY (series, rail_year, period)
);

-- Per-series priors derived from ORR 3138: period 0 is the latest moving annual average,
-- 1..13 the mean of that period over the last three rail years. Written by the 3138 importer,
-- or from the built-in starter table (source 'starter') when no file was imported.
CREATE TABLE operator_priors (
    series       TEXT NOT NULL,
    period       INTEGER NOT NULL CHECK (period BETWEEN 0 AND 13),
    early        DOUBLE PRECISION,
    on_time      DOUBLE PRECISION,
    t3           DOUBLE PRECISION,
    t5           DOUBLE PRECISION,
    t10          DOUBLE PRECISION,
    t15          DOUBLE PRECISION,
    t20          DOUBLE PRECISION,
    t30          DOUBLE PRECISION,
    stops        BIGINT,
    years        INTEGER NOT NULL,
    data_through TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('starter', 'orr_3138')),
    PRIMARY KEY (series, period)
);

-- The route catalogue: which operator runs a major flow (hand-authored facts). A row serves
-- both directions; lookups try (a, b) and (b, a) through the primary key.
CREATE TABLE routes (
    origin            TEXT NOT NULL REFERENCES stations (crs),
    destination       TEXT NOT NULL REFERENCES stations (crs),
    toc               TEXT NOT NULL REFERENCES operators (toc),
    -- Great-circle distance between the two stations, not track distance.
    distance_km       DOUBLE PRECISION,
    typical_minutes   INTEGER NOT NULL,
    services_per_hour DOUBLE PRECISION NOT NULL,
    priority          INTEGER NOT NULL,
    PRIMARY KEY (origin, destination),
    CHECK (origin <> destination)
);
CREATE INDEX routes_priority ON routes (priority);

-- Route history: one row per service run (HSP import, or `simulate` with source 'synthetic').
CREATE TABLE service_observations (
    service_key       TEXT NOT NULL,
    source            TEXT NOT NULL CHECK (source IN ('hsp', 'synthetic')),
    origin            TEXT NOT NULL,
    destination       TEXT NOT NULL,
    toc               TEXT NOT NULL,
    service_date      TEXT NOT NULL,
    sched_dep         TEXT NOT NULL,
    sched_arr         TEXT NOT NULL,
    -- Minutes late at the destination (negative = early); NULL when cancelled or not recorded.
    arrival_delay_min INTEGER,
    cancelled         BOOLEAN NOT NULL,
    PRIMARY KEY (source, service_key, origin, destination)
);
CREATE INDEX service_observations_route_day
    ON service_observations (origin, destination, toc, source, service_date);

-- Rollup of service_observations per route, operator, source, day and departure hour, kept in
-- step by the importers in the same transaction. Counts are cumulative like ORR's "time to N":
-- lt5 = arrived less than 5 minutes late (early included). n counts runs with a recorded
-- arrival; cancelled runs are counted apart; sum_delay sums the recorded delays.
CREATE TABLE route_delay_rollup (
    origin      TEXT NOT NULL,
    destination TEXT NOT NULL,
    toc         TEXT NOT NULL,
    source      TEXT NOT NULL,
    day         TEXT NOT NULL,
    hour        INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    day_type    TEXT NOT NULL CHECK (day_type IN ('weekday', 'saturday', 'sunday')),
    n           INTEGER NOT NULL,
    early       INTEGER NOT NULL,
    lt1         INTEGER NOT NULL,
    lt3         INTEGER NOT NULL,
    lt5         INTEGER NOT NULL,
    lt10        INTEGER NOT NULL,
    lt15        INTEGER NOT NULL,
    lt20        INTEGER NOT NULL,
    lt30        INTEGER NOT NULL,
    lt60        INTEGER NOT NULL,
    lt120       INTEGER NOT NULL,
    cancelled   INTEGER NOT NULL,
    sum_delay   BIGINT NOT NULL,
    PRIMARY KEY (origin, destination, toc, source, day, hour)
);

-- What each import did, for `/api/sources` ("data through") and for startup bootstrap to know
-- which kinds are already loaded.
CREATE TABLE import_runs (
    kind         TEXT NOT NULL,
    file         TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    rows_read    BIGINT NOT NULL,
    inserted     BIGINT NOT NULL,
    updated      BIGINT NOT NULL,
    unchanged    BIGINT NOT NULL,
    data_through TEXT
);
CREATE INDEX import_runs_kind ON import_runs (kind, finished_at);

-- The busiest stations first (autocomplete with an empty query).
CREATE INDEX stations_busiest ON stations (entries_exits DESC, crs);
