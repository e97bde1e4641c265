-- References of the hot append-only tables checked once per statement instead of once per row.
--
-- A settlement writer's batch appends hundreds of ledger_transfers rows (one capture per call) and
-- as many usage_events rows in two statements. Their foreign keys ran one lookup per row: two per
-- transfer (debit and credit account), one per usage event (its workspace), about half of what
-- PostgreSQL spent on those rows, although a batch names only a handful of distinct accounts and
-- workspaces. The same invariants are now enforced by statement-level triggers over the rows the
-- statement inserted (transition tables, as the usage rollup trigger does): each distinct account
-- or workspace is looked up once per statement, and a statement naming one that does not exist
-- fails with foreign_key_violation (SQLSTATE 23503), as before.
--
-- A foreign key also keeps the referenced row from being deleted (or its key changed). Ledger
-- accounts and workspaces are never deleted (a workspace is archived or marked deleted; an account
-- lives as long as its organization's books): row triggers now refuse that outright, so no check
-- can race a deletion.

ALTER TABLE ledger_transfers
    DROP CONSTRAINT ledger_transfers_org_id_debit_account_fkey,
    DROP CONSTRAINT ledger_transfers_org_id_credit_account_fkey;
ALTER TABLE usage_events DROP CONSTRAINT usage_events_org_id_workspace_id_fkey;

CREATE FUNCTION ledger_transfers_accounts_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing record;
BEGIN
    SELECT n.org_id, n.account INTO missing
    FROM (SELECT org_id, debit_account AS account FROM inserted
          UNION
          SELECT org_id, credit_account FROM inserted) n
    WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.org_id = n.org_id AND a.id = n.account)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('ledger_transfers names account %s of %s, which does not exist', missing.account,
                             missing.org_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER ledger_transfers_accounts_exist AFTER INSERT ON ledger_transfers
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ledger_transfers_accounts_exist();

CREATE FUNCTION usage_events_workspace_exists() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing record;
BEGIN
    SELECT n.org_id, n.workspace_id INTO missing
    FROM (SELECT DISTINCT org_id, workspace_id FROM inserted) n
    WHERE NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.org_id = n.org_id AND w.id = n.workspace_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('usage_events names workspace %s of %s, which does not exist', missing.workspace_id,
                             missing.org_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER usage_events_workspace_exists AFTER INSERT ON usage_events
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION usage_events_workspace_exists();

CREATE FUNCTION refuse_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
        MESSAGE = format('%s rows are referenced by the ledger and usage: never deleted, their keys never changed',
                         TG_TABLE_NAME);
END
$$;
CREATE TRIGGER ledger_accounts_keep_keys BEFORE DELETE OR UPDATE OF org_id, id ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION refuse_key_change();
CREATE TRIGGER workspaces_keep_keys BEFORE DELETE OR UPDATE OF org_id, id ON workspaces
    FOR EACH ROW EXECUTE FUNCTION refuse_key_change();
