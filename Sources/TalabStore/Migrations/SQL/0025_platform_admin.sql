-- The platform's admins get a path of their own (SPEC §1, §2.1): a dashboard request of an admin runs
-- as the role talab_admin, which reads every business's rows (row-level security lets it) but may
-- change only what the platform owns: a business's subscription and whether a login is enabled.
-- Every admin request is recorded first, in the same transaction, in an append-only log: an admin
-- cannot read what the log does not say they read.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'talab_admin') THEN
        CREATE ROLE talab_admin NOLOGIN NOBYPASSRLS;
    END IF;
END;
$$;
GRANT talab_admin TO CURRENT_USER;
GRANT USAGE ON SCHEMA public, history, audit TO talab_admin;
GRANT EXECUTE ON FUNCTION talab_business() TO talab_admin;

-- Reading: every row of every table under row-level security, and the platform's own tables.
DO $$
DECLARE
    target record;
BEGIN
    FOR target IN
        SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND c.relrowsecurity AND n.nspname IN ('public', 'history', 'audit')
    LOOP
        EXECUTE format('CREATE POLICY admin_rows ON %I.%I TO talab_admin USING (true) WITH CHECK (true)',
            target.nspname, target.relname);
    END LOOP;
END;
$$;
GRANT SELECT ON ALL TABLES IN SCHEMA public, history, audit TO talab_admin;
-- Not the bodies of webhooks waiting (customers' messages), nor guessed passwords' traces.
REVOKE SELECT ON webhook_inbox, sign_in_failures FROM talab_admin;

-- Changing: the subscription (platform billing state, never tenant configuration) and logins.
GRANT UPDATE (subscription_type, subscription_status, subscription_price, subscription_started_at,
              subscription_ends_at, updated_at) ON users TO talab_admin;
GRANT UPDATE (disabled_at) ON accounts TO talab_admin;
GRANT UPDATE (revoked_at) ON account_sessions TO talab_admin;
-- Audit rows, and the outbox that relays them to the log store.
GRANT INSERT ON audit.audit_logs, log_outbox TO talab_admin;
-- A subscription is part of what servers read of a business: changing it bumps its catalog version.
GRANT INSERT, UPDATE ON catalog_versions TO talab_admin;

-- What each admin request was, by whom, from where: written before the request reads anything.
CREATE TABLE audit.admin_requests (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    account_id uuid NOT NULL,
    email text NOT NULL,
    method text NOT NULL,
    path text NOT NULL,
    address inet
);
CREATE INDEX admin_requests_at_idx ON audit.admin_requests (at);
CREATE TRIGGER admin_requests_append_only BEFORE UPDATE OR DELETE ON audit.admin_requests
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER admin_requests_no_truncate BEFORE TRUNCATE ON audit.admin_requests
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
GRANT SELECT, INSERT ON audit.admin_requests TO talab_admin;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public, audit TO talab_admin;
