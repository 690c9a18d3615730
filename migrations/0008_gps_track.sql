-- The GPS track: every fix gpsd reported (TPV), with both clocks. system_time is the Pi's
-- clock when the report arrived; gps_time is what the receiver said, which lies before a fix and
-- after a week-number rollover, so gps_time_plausible records whether it was believed.

-- migrate:up
CREATE TABLE gps_track (
    id INTEGER PRIMARY KEY,
    system_time TEXT NOT NULL,
    gps_time TEXT,
    gps_time_plausible INTEGER NOT NULL DEFAULT 0 CHECK (gps_time_plausible IN (0, 1)),
    mode INTEGER NOT NULL CHECK (mode BETWEEN 0 AND 3),
    lat REAL CHECK (lat BETWEEN -90 AND 90),
    lon REAL CHECK (lon BETWEEN -180 AND 180),
    alt_m REAL,
    accuracy_m REAL,
    speed_mps REAL,
    track_deg REAL,
    CHECK ((lat IS NULL) = (lon IS NULL)),
    CHECK (mode >= 2 OR lat IS NULL)
);
CREATE INDEX idx_gps_track_system_time ON gps_track(system_time);

-- migrate:down
DROP TABLE gps_track;

-- migrate:verify
SELECT count(*) = 1 FROM sqlite_master WHERE type = 'table' AND name = 'gps_track';
SELECT count(*) = 1 FROM sqlite_master WHERE type = 'index' AND name = 'idx_gps_track_system_time';
