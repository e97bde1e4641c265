-- AI history, isolated per workspace: every key and index leads with (org_id, workspace_id), and
-- every foreign key carries the workspace, so no row can point across a workspace boundary.
CREATE TABLE conversations (
    org_id          text NOT NULL,
    workspace_id    text NOT NULL,
    id              text NOT NULL,
    title           text NOT NULL,
    visibility      text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'shared')),
    created_by_user text,
    created_by_key  text NOT NULL,
    -- Hash chain over the stored transcript (role and text of each message, in order): a request
    -- whose prior messages hash to it continues this conversation.
    transcript_hash text NOT NULL,
    message_count   integer NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    search          tsvector GENERATED ALWAYS AS (to_tsvector('english', title)) STORED,
    PRIMARY KEY (org_id, workspace_id, id),
    FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id)
);
CREATE INDEX conversations_transcript_idx ON conversations (org_id, workspace_id, transcript_hash);
CREATE INDEX conversations_search_idx ON conversations USING gin (search);

CREATE TABLE messages (
    org_id          text NOT NULL,
    workspace_id    text NOT NULL,
    conversation_id text NOT NULL,
    seq             integer NOT NULL CHECK (seq >= 1),
    role            text NOT NULL,
    content         text NOT NULL,
    model           text,
    input_tokens    bigint NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens   bigint NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    credits         bigint NOT NULL DEFAULT 0 CHECK (credits >= 0),
    status          text NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'partial')),
    created_at      timestamptz NOT NULL,
    search          tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED,
    PRIMARY KEY (org_id, workspace_id, conversation_id, seq),
    FOREIGN KEY (org_id, workspace_id, conversation_id)
        REFERENCES conversations (org_id, workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_search_idx ON messages USING gin (search);

-- Every AI operation of the workspace (chat, image, speech, transcription): the request record.
CREATE TABLE activities (
    org_id          text NOT NULL,
    workspace_id    text NOT NULL,
    id              text NOT NULL,
    operation       text NOT NULL CHECK (operation IN ('chat', 'image', 'speech', 'transcription')),
    model           text NOT NULL,
    credits         bigint NOT NULL CHECK (credits >= 0),
    status          text NOT NULL CHECK (status IN ('ok', 'partial', 'error')),
    latency_ms      bigint NOT NULL CHECK (latency_ms >= 0),
    user_id         text,
    key_id          text NOT NULL,
    conversation_id text,
    media_ids       text[] NOT NULL DEFAULT '{}',
    request_id      text,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (org_id, workspace_id, id),
    FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id)
);
-- Which activity produced a media file (media authorization), and retention by age.
CREATE INDEX activities_media_idx ON activities USING gin (media_ids);
CREATE INDEX activities_time_idx ON activities (org_id, workspace_id, created_at);
CREATE INDEX conversations_time_idx ON conversations (org_id, workspace_id, updated_at);
