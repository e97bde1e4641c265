-- The credit ledger: double-entry and append-only. Amounts are micro-credits (1 credit = 1,000,000).
--
-- Accounts per organization (id scheme):
--   grants               source of all credits; its balance is minus everything ever granted
--   pool                 unallocated credits
--   budget:<ws>          a budget-funded workspace's carve-out
--   held:<ws>            credits reserved by a workspace's open holds
--   spent:<ws>:<cat>     consumed credits per workspace and category (chat, image, speech)
--   expired              credits of grants that expired unconsumed
-- Every account but grants stays >= 0, so sum(grants issued) = pool + budgets + held + spent + expired.
CREATE TABLE ledger_accounts (
    org_id       text NOT NULL REFERENCES organizations (id),
    id           text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('grants', 'pool', 'budget', 'held', 'spent', 'expired')),
    workspace_id text,
    category     text CHECK (category IN ('chat', 'image', 'speech')),
    balance      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, id),
    CONSTRAINT ledger_accounts_non_negative CHECK (kind = 'grants' OR balance >= 0),
    CONSTRAINT ledger_accounts_grants_non_positive CHECK (kind <> 'grants' OR balance <= 0)
);

CREATE TABLE ledger_transfers (
    org_id         text NOT NULL,
    id             text NOT NULL,
    debit_account  text NOT NULL,
    credit_account text NOT NULL,
    amount         bigint NOT NULL CHECK (amount > 0),
    kind           text NOT NULL CHECK (kind IN ('grant', 'allocation', 'reclaim', 'transfer', 'hold', 'capture',
                                                 'release', 'void', 'expiry', 'refill', 'deletion_return')),
    workspace_id   text,
    hold_id        text,
    grant_id       text,
    user_id        text,
    actor_type     text NOT NULL,
    actor_id       text NOT NULL,
    note           text,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, debit_account) REFERENCES ledger_accounts (org_id, id),
    FOREIGN KEY (org_id, credit_account) REFERENCES ledger_accounts (org_id, id),
    CHECK (debit_account <> credit_account)
);
CREATE INDEX ledger_transfers_workspace_idx ON ledger_transfers (org_id, workspace_id, id);
CREATE INDEX ledger_transfers_hold_idx ON ledger_transfers (org_id, hold_id) WHERE hold_id IS NOT NULL;

CREATE FUNCTION ledger_transfers_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_transfers is append-only: corrections are new transfers';
END;
$$;
CREATE TRIGGER ledger_transfers_no_update BEFORE UPDATE OR DELETE ON ledger_transfers
    FOR EACH ROW EXECUTE FUNCTION ledger_transfers_append_only();

-- Grants and the unconsumed remainder of each (lots), for expiry.
CREATE TABLE credit_grants (
    org_id      text NOT NULL REFERENCES organizations (id),
    id          text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('purchase', 'subscription', 'promotional', 'adjustment')),
    amount      bigint NOT NULL CHECK (amount > 0),
    remaining   bigint NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
    expires_at  timestamptz,
    expired_amount bigint NOT NULL DEFAULT 0 CHECK (expired_amount >= 0),
    status      text NOT NULL CHECK (status IN ('active', 'expired')),
    note        text,
    actor_type  text NOT NULL,
    actor_id    text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX credit_grants_consumption_idx ON credit_grants (org_id, expires_at NULLS LAST, id) WHERE remaining > 0;
CREATE INDEX credit_grants_expiry_idx ON credit_grants (expires_at) WHERE status = 'active' AND expires_at IS NOT NULL;

-- How much spending has been assigned to grant lots so far (see Lots.catchUp).
CREATE TABLE credit_lot_cursors (
    org_id           text PRIMARY KEY REFERENCES organizations (id),
    consumed_through bigint NOT NULL DEFAULT 0
);

-- Two-phase spending: a hold reserves, then resolves exactly once.
CREATE TABLE holds (
    org_id         text NOT NULL,
    id             text NOT NULL,
    workspace_id   text NOT NULL,
    user_id        text,
    source_account text NOT NULL,
    amount         bigint NOT NULL CHECK (amount > 0),
    captured       bigint CHECK (captured IS NULL OR (captured >= 0 AND captured <= amount)),
    category       text NOT NULL CHECK (category IN ('chat', 'image', 'speech')),
    model          text,
    status         text NOT NULL CHECK (status IN ('held', 'captured', 'voided', 'expired')),
    ws_period_start     timestamptz,
    member_period_start timestamptz,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    resolved_at    timestamptz,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id)
);
CREATE INDEX holds_open_expiry_idx ON holds (expires_at) WHERE status = 'held';
CREATE INDEX holds_open_source_idx ON holds (org_id, source_account) WHERE status = 'held';

-- Funding of a workspace; no row means pool mode without limits.
CREATE TABLE workspace_funding (
    org_id              text NOT NULL,
    workspace_id        text NOT NULL,
    mode                text NOT NULL CHECK (mode IN ('pool', 'budget')),
    spend_limit         bigint CHECK (spend_limit IS NULL OR spend_limit > 0),
    spend_period        text CHECK (spend_period IN ('day', 'week', 'month')),
    member_limit        bigint CHECK (member_limit IS NULL OR member_limit > 0),
    member_period       text CHECK (member_period IN ('day', 'week', 'month')),
    overflow_to_pool    boolean NOT NULL DEFAULT false,
    refill_period       text CHECK (refill_period IN ('day', 'week', 'month')),
    refill_to           bigint CHECK (refill_to IS NULL OR refill_to > 0),
    refill_add          bigint CHECK (refill_add IS NULL OR refill_add > 0),
    updated_at          timestamptz NOT NULL,
    PRIMARY KEY (org_id, workspace_id),
    FOREIGN KEY (org_id, workspace_id) REFERENCES workspaces (org_id, id),
    CHECK ((spend_limit IS NULL) = (spend_period IS NULL)),
    CHECK ((member_limit IS NULL) = (member_period IS NULL)),
    CHECK (refill_to IS NULL OR refill_add IS NULL),
    CHECK ((refill_period IS NULL) = (refill_to IS NULL AND refill_add IS NULL)),
    CHECK (mode = 'budget' OR (refill_period IS NULL AND NOT overflow_to_pool))
);

-- Spend within a period (held + captured) per workspace or per member, capped by the limit.
CREATE TABLE spend_counters (
    org_id       text NOT NULL,
    scope        text NOT NULL CHECK (scope IN ('workspace', 'member')),
    workspace_id text NOT NULL,
    user_id      text NOT NULL DEFAULT '',
    period_start timestamptz NOT NULL,
    used         bigint NOT NULL CHECK (used >= 0),
    PRIMARY KEY (org_id, scope, workspace_id, user_id, period_start)
);

-- Idempotency of credit-moving requests: one row per (org, operation, key), claimed by INSERT … ON CONFLICT.
CREATE TABLE idempotency_keys (
    org_id       text NOT NULL,
    operation    text NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash bytea NOT NULL,
    status       integer,
    response     text,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (org_id, operation, key)
);
