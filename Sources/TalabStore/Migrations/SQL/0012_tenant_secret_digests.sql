-- A tenant's secrets live outside git (`{ env: NAME }`), so a rotated or removed token changes
-- neither the tenant folder nor its rows (the sealed value is only compared when the tenant is).
-- The reconcile state keeps the names of the secrets a tenant used and a keyed digest of their
-- values (HMAC-SHA256 under a key derived from TALAB_MASTER_KEY: never a secret, and not a hash
-- that could be guessed offline); a plan compares a tenant whose secrets moved, or went missing.
-- Rows recorded before this migration have the digest 'unknown': compared once, then recorded.
ALTER TABLE tenant_reconcile_state
    ADD COLUMN secret_names text[] NOT NULL DEFAULT '{}',
    ADD COLUMN secrets_digest text NOT NULL DEFAULT 'unknown';
