-- One posting in one round trip (see Book.tryPost). The rules are those of V5: the debited
-- account never goes below zero (except grants), the two balance rows are changed in account-id
-- order (byte order, as Java's String.compareTo orders these ASCII ids) so that concurrent
-- postings queue instead of deadlocking, and the transfer row is appended only when both changed.
-- Every hold, capture and release holds its hot rows (pool, held:<ws>, spent:…) from the first
-- balance change to COMMIT; doing the three steps server-side keeps client round trips out of that
-- window. Returns false, with nothing changed, when the debited account lacks the amount.
CREATE FUNCTION ledger_post(
    p_org            text,
    p_transfer       text,
    p_debit          text,
    p_debit_kind     text,
    p_credit         text,
    p_credit_kind    text,
    p_credit_ws      text,
    p_credit_cat     text,
    p_amount         bigint,
    p_kind           text,
    p_workspace      text,
    p_hold           text,
    p_grant          text,
    p_user           text,
    p_actor_type     text,
    p_actor_id       text,
    p_note           text,
    p_at             timestamptz
) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    debit_first constant boolean := p_debit COLLATE "C" < p_credit COLLATE "C";
BEGIN
    IF p_amount <= 0 THEN
        RAISE EXCEPTION 'ledger_post: amount must be positive, got %', p_amount;
    END IF;
    IF NOT debit_first THEN
        INSERT INTO ledger_accounts AS a (org_id, id, kind, workspace_id, category, balance)
        VALUES (p_org, p_credit, p_credit_kind, p_credit_ws, p_credit_cat, p_amount)
        ON CONFLICT (org_id, id) DO UPDATE SET balance = a.balance + EXCLUDED.balance;
    END IF;
    UPDATE ledger_accounts SET balance = balance - p_amount
    WHERE org_id = p_org AND id = p_debit AND (p_debit_kind = 'grants' OR balance >= p_amount);
    IF NOT FOUND THEN
        IF NOT debit_first THEN
            -- Undo the credit inside this transaction, so a refused posting leaves no trace.
            UPDATE ledger_accounts SET balance = balance - p_amount WHERE org_id = p_org AND id = p_credit;
        END IF;
        RETURN false;
    END IF;
    IF debit_first THEN
        INSERT INTO ledger_accounts AS a (org_id, id, kind, workspace_id, category, balance)
        VALUES (p_org, p_credit, p_credit_kind, p_credit_ws, p_credit_cat, p_amount)
        ON CONFLICT (org_id, id) DO UPDATE SET balance = a.balance + EXCLUDED.balance;
    END IF;
    INSERT INTO ledger_transfers (org_id, id, debit_account, credit_account, amount, kind, workspace_id,
                                  hold_id, grant_id, user_id, actor_type, actor_id, note, created_at)
    VALUES (p_org, p_transfer, p_debit, p_credit, p_amount, p_kind, p_workspace,
            p_hold, p_grant, p_user, p_actor_type, p_actor_id, p_note, p_at);
    RETURN true;
END;
$$;
