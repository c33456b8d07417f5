-- Fares (design §4) from the RDG fares feed, or the built-in SAMPLE set (source 'sample') when no
-- feed is loaded. One row per ticket of a flow, with the flow's ends, direction and validity
-- copied in so a lookup is one index probe per direction. Non-derivable fares (without railcard,
-- not suppressed) are stored the same way with a flow id starting 'ND'.
CREATE TABLE fares (
    flow_id      TEXT NOT NULL,
    ticket_code  TEXT NOT NULL,
    origin_nlc   TEXT NOT NULL,
    dest_nlc     TEXT NOT NULL,
    route_code   TEXT NOT NULL,
    -- 'R' reversible (serves both directions) or 'S' single direction.
    direction    TEXT NOT NULL CHECK (direction IN ('R', 'S')),
    toc          TEXT,
    price_pence  BIGINT NOT NULL CHECK (price_pence >= 0),
    restriction  TEXT,
    valid_from   TEXT NOT NULL,
    valid_until  TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('rdg', 'sample')),
    PRIMARY KEY (flow_id, ticket_code)
);
CREATE INDEX fares_od ON fares (origin_nlc, dest_nlc);

CREATE TABLE ticket_types (
    code        TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    class       TEXT NOT NULL CHECK (class IN ('first', 'standard', 'both')),
    journey     TEXT NOT NULL CHECK (journey IN ('single', 'return')),
    kind        TEXT NOT NULL CHECK (kind IN ('ADVANCE', 'OFF_PEAK', 'SUPER_OFF_PEAK', 'ANYTIME', 'OTHER')),
    valid_from  TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('rdg', 'sample'))
);
CREATE INDEX fares_source ON fares (source);
