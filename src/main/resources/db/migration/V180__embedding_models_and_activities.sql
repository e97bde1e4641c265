-- Embeddings (POST /v1/embeddings): a model kind of its own, priced per 1M input tokens, so that an
-- organization may add its own embedding models; and an operation of the workspace's activities.
ALTER TABLE pricing_model_overrides DROP CONSTRAINT pricing_model_overrides_kind_check;
ALTER TABLE pricing_model_overrides ADD CONSTRAINT pricing_model_overrides_kind_check
    CHECK (kind IN ('chat', 'image', 'speech', 'transcription', 'embedding'));

ALTER TABLE activities DROP CONSTRAINT activities_operation_check;
-- NOT VALID, then validated: the scan of existing rows runs without blocking writes to the table.
ALTER TABLE activities ADD CONSTRAINT activities_operation_check
    CHECK (operation IN ('chat', 'image', 'speech', 'transcription', 'embedding')) NOT VALID;
ALTER TABLE activities VALIDATE CONSTRAINT activities_operation_check;
