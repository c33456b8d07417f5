-- ORR table 3184: delay minutes per operator per rail period, one row per cause column exactly as
-- ORR names it (e.g. 'NR on TOC Track'). NULL is ORR's [x]/[z]. Read per operator for the
-- "what mostly causes this operator's delays" sentence of the explanation.
CREATE TABLE delay_cause_minutes (
    series    TEXT NOT NULL,
    rail_year INTEGER NOT NULL,
    period    INTEGER NOT NULL CHECK (period BETWEEN 1 AND 13),
    cause     TEXT NOT NULL,
    minutes   DOUBLE PRECISION,
    PRIMARY KEY (series, rail_year, period, cause)
);
