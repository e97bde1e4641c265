-- A lease being returned while calls admitted from it still run (a long stream): its node has
-- given back every credit no call holds, and closes it once they settle. A recall waits only for
-- the leases that are not draining: what a draining one still holds belongs to running calls.
ALTER TABLE credit_leases ADD COLUMN draining boolean NOT NULL DEFAULT false;
