-- What an open hold's operation has already consumed (a stream's input plus the output relayed so
-- far), written while it runs. The sweeper captures it when the hold expires unsettled (after a
-- crash nobody is left to settle it) instead of voiding everything; the detail is the caller's own
-- record of that progress (the gateway's usage event fields), opaque to the ledger.
ALTER TABLE holds
    ADD COLUMN relayed_micros bigint CHECK (relayed_micros IS NULL OR (relayed_micros >= 0 AND relayed_micros <= amount)),
    ADD COLUMN relayed_detail text;
