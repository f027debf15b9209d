-- Owners add their own people: an invitation by link (SPEC §1's business users, made by the business
-- rather than the platform), and the dashboard's changes to logins, audited like git's. A customer's
-- orders, live and archived, found by the customer quickly.

CREATE TABLE account_invitations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id uuid NOT NULL REFERENCES users (id),
    email text NOT NULL CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$'),
    role account_role NOT NULL CHECK (role <> 'admin'),
    branch_id uuid REFERENCES branches (id),
    -- SHA-256 (hex) of the link's secret: the link itself is shown once and never stored.
    token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    invited_by uuid NOT NULL REFERENCES accounts (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    accepted_at timestamptz,
    account_id uuid REFERENCES accounts (id),
    revoked_at timestamptz
);
CREATE INDEX account_invitations_business_idx ON account_invitations (business_id, created_at DESC);

ALTER TABLE account_invitations ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY service_rows ON account_invitations TO talab_service USING (true) WITH CHECK (true);
CREATE POLICY business_rows ON account_invitations TO talab_dashboard
    USING (business_id = talab_business()) WITH CHECK (business_id = talab_business());
GRANT SELECT, INSERT, UPDATE (revoked_at) ON account_invitations TO talab_dashboard;

-- Changes made in the dashboard are audited by the person who made them, in their business's rows.
GRANT INSERT ON audit.audit_logs TO talab_dashboard;

-- A customer's archived orders: the documents name the customer by phone or by WhatsApp user id.
CREATE INDEX order_logs_customer_phone_idx ON history.order_logs
    (business_id, (body -> 'customer' ->> 'phone_number'), at DESC)
    WHERE body -> 'customer' ->> 'phone_number' IS NOT NULL;
CREATE INDEX order_logs_customer_user_idx ON history.order_logs
    (business_id, (body -> 'customer' ->> 'whatsapp_user_id'), at DESC)
    WHERE body -> 'customer' ->> 'whatsapp_user_id' IS NOT NULL;
CREATE INDEX orders_customer_phone_idx ON orders (business_id, customer_phone_number, created_at DESC)
    WHERE customer_phone_number IS NOT NULL;
CREATE INDEX orders_customer_user_idx ON orders (business_id, whatsapp_user_id, created_at DESC)
    WHERE whatsapp_user_id IS NOT NULL;
-- The customers list, most recent first.
CREATE INDEX whatsapp_customers_recent_idx ON whatsapp_customers (business_id, last_inbound_at DESC NULLS LAST, id);
