-- Append-only record of administrative actions, per organization.
CREATE TABLE audit_events (
    org_id      text NOT NULL,
    id          text NOT NULL,
    actor_type  text NOT NULL,
    actor_id    text NOT NULL,
    action      text NOT NULL,
    target_type text NOT NULL,
    target_id   text NOT NULL,
    before      jsonb,
    after       jsonb,
    request_id  text,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX audit_events_action_idx ON audit_events (org_id, action, id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
