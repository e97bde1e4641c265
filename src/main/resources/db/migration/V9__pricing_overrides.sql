-- Per-organization pricing: overrides of catalog models, the organization's own (custom) models and
-- the client-billing markup. The default catalog itself is a file (pricing/catalog.json), not a table.
-- Prices are micro-credits (1 credit = 1,000,000).

-- One row per organization and model. A catalog override has custom = false and leaves provider,
-- upstream model, kind and limits to the catalog; a null price keeps the catalog's. A custom model
-- is complete: routed to the OpenAI-compatible provider, with its kind's prices (checked in Java).
CREATE TABLE pricing_model_overrides (
    org_id             text NOT NULL REFERENCES organizations (id),
    model_id           text NOT NULL CHECK (length(model_id) BETWEEN 1 AND 128),
    custom             boolean NOT NULL,
    provider           text CHECK (provider = 'openai'),
    upstream_model     text CHECK (length(upstream_model) BETWEEN 1 AND 200),
    kind               text CHECK (kind IN ('chat', 'image', 'speech', 'transcription')),
    input_per_million  bigint CHECK (input_per_million >= 0),
    output_per_million bigint CHECK (output_per_million >= 0),
    max_output_tokens  integer CHECK (max_output_tokens > 0),
    context_window     integer CHECK (context_window > 0),
    per_thousand_chars bigint CHECK (per_thousand_chars >= 0),
    per_audio_minute   bigint CHECK (per_audio_minute >= 0),
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (org_id, model_id),
    CONSTRAINT pricing_model_overrides_custom_is_complete
        CHECK (custom = (provider IS NOT NULL AND upstream_model IS NOT NULL AND kind IS NOT NULL)),
    CONSTRAINT pricing_model_overrides_limits_only_custom
        CHECK (custom OR (max_output_tokens IS NULL AND context_window IS NULL))
);

-- Image prices of an override (replacing or adding a size and quality) or of a custom image model,
-- in the order given (the first is a custom model's default).
CREATE TABLE pricing_model_image_prices (
    org_id   text NOT NULL,
    model_id text NOT NULL,
    size     text NOT NULL,
    quality  text NOT NULL,
    price    bigint NOT NULL CHECK (price >= 0),
    position integer NOT NULL,
    PRIMARY KEY (org_id, model_id, size, quality),
    FOREIGN KEY (org_id, model_id) REFERENCES pricing_model_overrides (org_id, model_id) ON DELETE CASCADE
);

-- The markup an organization adds on its client-billing statements; ledger charges stay at cost.
CREATE TABLE pricing_markups (
    org_id         text NOT NULL REFERENCES organizations (id),
    markup_percent numeric(8, 4) NOT NULL CHECK (markup_percent BETWEEN 0 AND 1000),
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (org_id)
);
