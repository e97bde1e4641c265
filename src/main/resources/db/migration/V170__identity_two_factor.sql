-- Two-factor sign-in (TOTP, RFC 6238) for password users. The secret is sealed with
-- ATRIUM_SECRET_KEY (AES-256-GCM, bound to the user id); a code's time step is remembered so
-- that each code is accepted once; recovery codes are kept only as SHA-256 digests.
CREATE TABLE user_two_factor (
    user_id      text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       bytea NOT NULL,
    created_at   timestamptz NOT NULL,
    confirmed_at timestamptz,
    last_step    bigint NOT NULL DEFAULT 0
);

CREATE TABLE user_recovery_codes (
    user_id   text NOT NULL REFERENCES user_two_factor (user_id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Wrong second-factor codes are throttled per person under a scope of their own, which a right
-- password does not reset.
ALTER TABLE login_throttle DROP CONSTRAINT login_throttle_scope_check;
ALTER TABLE login_throttle ADD CONSTRAINT login_throttle_scope_check
    CHECK (scope IN ('account', 'address', 'device', 'second_factor'));
