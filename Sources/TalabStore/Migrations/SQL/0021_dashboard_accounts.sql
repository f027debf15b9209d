-- The business dashboard's logins (SPEC §1, §6): platform admins, and per business an owner, managers
-- and staff, optionally limited to one branch; their sessions (revocable: a signed token alone is not
-- enough) and the sign-in attempts that rate-limit guessing.
--
-- Tenant isolation enforced by PostgreSQL itself: every table holding a business's rows has row-level
-- security, FORCEd so even the tables' owner is bound by it. Two group roles:
--   talab_service    the webhook, workers, reconciler, archiver: every row (the migrating role and the
--                    role talab serve connects as must be members; this migration adds the first)
--   talab_dashboard  a dashboard request: `SET LOCAL ROLE talab_dashboard` and
--                    `set_config('talab.business_id', …, true)` in its transaction, then only that
--                    business's rows exist. No BYPASSRLS, owns nothing.

-- What the kitchen said when it accepted or refused an order.
ALTER TABLE orders ADD COLUMN ready_by timestamptz, ADD COLUMN cancel_reason text;

CREATE TYPE account_role AS ENUM ('admin', 'owner', 'manager', 'staff');

CREATE TABLE accounts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$'),
    password_hash text NOT NULL,
    role account_role NOT NULL,
    business_id uuid REFERENCES users (id),
    branch_id uuid REFERENCES branches (id),
    display_name text,
    interface_language text NOT NULL DEFAULT 'en' CHECK (interface_language IN ('en', 'fr', 'ar')),
    created_at timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz,
    -- An admin belongs to the platform; everyone else to one business.
    CONSTRAINT accounts_scope CHECK ((role = 'admin') = (business_id IS NULL)),
    CONSTRAINT accounts_branch_in_business CHECK (branch_id IS NULL OR business_id IS NOT NULL)
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (email);
CREATE INDEX accounts_business_idx ON accounts (business_id) WHERE business_id IS NOT NULL;

CREATE TABLE account_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id uuid NOT NULL REFERENCES accounts (id),
    -- Copied from the account so a business's owner can list and revoke its sessions under RLS.
    business_id uuid REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    user_agent text,
    address inet
);
CREATE INDEX account_sessions_account_idx ON account_sessions (account_id) WHERE revoked_at IS NULL;

-- One row per failed sign-in; a success clears the account's. Read back over the last minutes, per
-- email and per address, to slow guessing down (several servers share it).
CREATE TABLE sign_in_failures (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL,
    address inet,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_email_idx ON sign_in_failures (email, at);
CREATE INDEX sign_in_failures_address_idx ON sign_in_failures (address, at);

-- The business a dashboard transaction acts for; NULL (nothing matches) when it was never set.
CREATE FUNCTION talab_business() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT nullif(current_setting('talab.business_id', true), '')::uuid
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'talab_service') THEN
        CREATE ROLE talab_service NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'talab_dashboard') THEN
        CREATE ROLE talab_dashboard NOLOGIN NOBYPASSRLS;
    END IF;
END;
$$;
GRANT talab_service TO CURRENT_USER;
GRANT talab_dashboard TO CURRENT_USER;
GRANT USAGE ON SCHEMA public, history, audit TO talab_dashboard;
GRANT EXECUTE ON FUNCTION talab_business() TO talab_dashboard;

DO $$
DECLARE
    target text;
    parent text;
    owned text[] := ARRAY[
        -- business_id = the business
        'public.orders', 'public.bookings', 'public.branches', 'public.business_customers_seen',
        'public.catalog_versions', 'public.conversations', 'public.daily_business_metrics',
        'public.date_overrides', 'public.inbound_receipts', 'public.items', 'public.locations',
        'public.log_outbox', 'public.menus', 'public.message_delivery', 'public.opening_hours',
        'public.outbound_messages', 'public.policies', 'public.tenant_reconcile_state',
        'public.whatsapp_customers', 'public.accounts', 'public.account_sessions',
        'history.order_logs', 'history.message_logs', 'history.audit_logs',
        'audit.audit_logs', 'audit.message_logs'];
    -- child table, its key, the parent it belongs through (itself under RLS)
    children text[][] := ARRAY[
        ['public.order_items', 'order_id', 'public.orders'],
        ['public.order_status_history', 'order_id', 'public.orders'],
        ['public.order_item_options', 'order_item_id', 'public.order_items'],
        ['public.item_options', 'item_id', 'public.items'],
        ['public.item_option_groups', 'item_id', 'public.items'],
        ['public.item_ingredients', 'item_id', 'public.items'],
        ['public.branch_menus', 'branch_id', 'public.branches']];
    child text[];
BEGIN
    FOREACH target IN ARRAY owned || ARRAY['public.users'] LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', target);
        EXECUTE format('CREATE POLICY service_rows ON %s TO talab_service USING (true) WITH CHECK (true)', target);
    END LOOP;
    FOREACH target IN ARRAY owned LOOP
        EXECUTE format(
            'CREATE POLICY business_rows ON %s TO talab_dashboard
                USING (business_id = talab_business()) WITH CHECK (business_id = talab_business())', target);
    END LOOP;
    -- The businesses themselves: a business sees its own row.
    CREATE POLICY business_rows ON public.users TO talab_dashboard
        USING (id = talab_business()) WITH CHECK (id = talab_business());
    FOREACH child SLICE 1 IN ARRAY children LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', child[1]);
        EXECUTE format('CREATE POLICY service_rows ON %s TO talab_service USING (true) WITH CHECK (true)', child[1]);
        EXECUTE format(
            'CREATE POLICY business_rows ON %1$s TO talab_dashboard
                USING (EXISTS (SELECT 1 FROM %3$s p WHERE p.id = %2$I))
                WITH CHECK (EXISTS (SELECT 1 FROM %3$s p WHERE p.id = %2$I))', child[1], child[2], child[3]);
    END LOOP;
END;
$$;

-- What a dashboard request may do at all; RLS then narrows every statement to one business.
GRANT SELECT ON ALL TABLES IN SCHEMA public, history, audit TO talab_dashboard;
REVOKE SELECT ON schema_migrations, webhook_inbox, webhook_unroutable, reconcile_runs, sign_in_failures
    FROM talab_dashboard;
GRANT UPDATE (status, completed_at, cancelled_at, updated_at, ready_by, cancel_reason) ON orders TO talab_dashboard;
GRANT INSERT ON order_status_history, outbound_messages, log_outbox, audit.message_logs TO talab_dashboard;
GRANT INSERT, UPDATE (display_name, role, branch_id, disabled_at, interface_language) ON accounts TO talab_dashboard;
GRANT UPDATE (revoked_at, last_seen_at) ON account_sessions TO talab_dashboard;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public, audit TO talab_dashboard;
