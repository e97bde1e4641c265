-- An organization's own provider endpoint and key. The key is encrypted (AES-256-GCM) with the
-- server's secret key; only its last characters are kept in clear, as a hint.
CREATE TABLE provider_credentials (
    org_id            text NOT NULL REFERENCES organizations (id),
    provider          text NOT NULL CHECK (provider IN ('openai', 'anthropic')),
    base_url          text CHECK (base_url IS NULL OR base_url ~ '^https?://'),
    api_key_encrypted bytea,
    key_hint          text,
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (org_id, provider)
);
