-- The service's own count of prediction requests per route and day, flushed from memory in
-- batches (never one write per request). Popular routes are read over the last 30 days.
CREATE TABLE route_popularity (
    origin      TEXT NOT NULL,
    destination TEXT NOT NULL,
    day         TEXT NOT NULL,
    requests    BIGINT NOT NULL,
    PRIMARY KEY (origin, destination, day)
);
CREATE INDEX route_popularity_day ON route_popularity (day);
