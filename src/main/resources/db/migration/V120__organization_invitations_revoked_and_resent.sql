-- An invitation can be revoked (its link stops working) or sent again with a new link (the
-- token hash is replaced, so the old link stops working). Accepted and revoked are exclusive.
ALTER TABLE invitations
    ADD COLUMN revoked_at timestamptz,
    ADD COLUMN revoked_by text,
    ADD COLUMN resent_at  timestamptz,
    ADD CONSTRAINT invitations_accepted_or_revoked CHECK (accepted_at IS NULL OR revoked_at IS NULL);
