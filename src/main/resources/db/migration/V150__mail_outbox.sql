-- Email waiting to be sent, and what became of it. A row is written in the transaction of the event
-- it tells about (an invitation, a fired alert, a sign-in notice) and sent afterwards by a background
-- sender on any node: the sender claims due rows with FOR UPDATE SKIP LOCKED and leases them by moving
-- next_attempt_at, so two nodes never send the same row. The bodies are erased once the message is
-- sent or has failed for good: an invitation's link lives no longer than it must.
CREATE TABLE mail_outbox (
    org_id          text NOT NULL REFERENCES organizations (id),
    id              text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('invitation', 'alert.threshold', 'alert.pool_low',
                                                  'sign_in.delayed', 'sign_in.new_device', 'digest.weekly')),
    recipient       text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 320),
    subject         text NOT NULL,
    body_text       text,
    body_html       text,
    -- Messages that must go out at most once per occasion (a sign-in notice per hour) carry a key.
    dedup_key       text,
    status          text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    PRIMARY KEY (org_id, id),
    CONSTRAINT mail_outbox_pending_has_body CHECK (status <> 'pending' OR body_text IS NOT NULL),
    CONSTRAINT mail_outbox_sent_at CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE UNIQUE INDEX mail_outbox_dedup_key ON mail_outbox (org_id, dedup_key) WHERE dedup_key IS NOT NULL;
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX mail_outbox_recent_idx ON mail_outbox (org_id, id DESC);
