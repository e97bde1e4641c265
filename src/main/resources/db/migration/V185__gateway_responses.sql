-- Responses of /v1/responses that a later call may continue with previous_response_id. The text
-- itself stays in the workspace's history (the conversation the turn was recorded in): a row only
-- says which conversation, how many of its messages make up the response's transcript, and whether
-- the first of them is the response's own instructions (not carried over to the next turn, as in
-- OpenAI's API). Deleting the conversation (or its expiry) leaves nothing to continue from.
CREATE TABLE gateway_responses (
    org_id          text NOT NULL,
    workspace_id    text NOT NULL,
    id              text NOT NULL,
    conversation_id text NOT NULL,
    message_count   integer NOT NULL CHECK (message_count >= 1),
    instructions    boolean NOT NULL,
    model           text NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (org_id, workspace_id, id),
    FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id) ON DELETE CASCADE
);
