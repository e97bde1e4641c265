-- Webhook deliveries reach each endpoint in the order their events happened: a delivery is sent
-- only when no earlier delivery to the same endpoint is still pending (being retried). The order
-- is the queue's: a sequence number given at enqueue.
ALTER TABLE webhook_deliveries ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX webhook_deliveries_pending_order_idx ON webhook_deliveries (org_id, webhook_id, seq)
    WHERE status = 'pending';
