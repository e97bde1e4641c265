-- Failed sign-ins throttle with growing delays instead of a lock: per account, per client address,
-- and per known device (a browser or client where the account has signed in before).
DROP TABLE login_failures;

CREATE TABLE login_throttle (
    scope           text NOT NULL CHECK (scope IN ('account', 'address', 'device')),
    subject         text NOT NULL,
    failures        integer NOT NULL CHECK (failures >= 0),
    -- no attempt is checked before this time; null while within the free allowance
    blocked_until   timestamptz,
    last_failure_at timestamptz NOT NULL,
    PRIMARY KEY (scope, subject)
);
CREATE INDEX login_throttle_last_failure_idx ON login_throttle (last_failure_at);

-- Devices that signed in successfully: the cookie's secret is never stored, only its SHA-256.
CREATE TABLE known_devices (
    token_hash   bytea PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL
);
CREATE INDEX known_devices_user_idx ON known_devices (user_id, last_used_at);
