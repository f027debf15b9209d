-- "The same again" outlives the archive (issue #18): finished orders leave the live tables a day
-- after they end, into the history, which is read by business and time, never by customer. The
-- archiver keeps here each customer's last completed order's lines (item key, quantity, choices as
-- `group/choice`), so that a regular who orders once a week is understood.

CREATE TABLE customer_last_orders (
    business_id uuid NOT NULL REFERENCES users (id),
    -- The phone number, else `user:<WhatsApp user id>`.
    customer text NOT NULL,
    customer_phone_number varchar(20),
    whatsapp_user_id varchar(255),
    order_id uuid NOT NULL,
    ordered_at timestamptz NOT NULL,
    lines jsonb NOT NULL,
    PRIMARY KEY (business_id, customer),
    CHECK (customer_phone_number IS NOT NULL OR whatsapp_user_id IS NOT NULL)
);
CREATE INDEX customer_last_orders_user_idx ON customer_last_orders (business_id, whatsapp_user_id)
    WHERE whatsapp_user_id IS NOT NULL;

ALTER TABLE customer_last_orders ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY service_rows ON customer_last_orders TO talab_service USING (true) WITH CHECK (true);
CREATE POLICY business_rows ON customer_last_orders TO talab_dashboard
    USING (business_id = talab_business()) WITH CHECK (business_id = talab_business());
CREATE POLICY admin_rows ON customer_last_orders TO talab_admin USING (true) WITH CHECK (true);
GRANT SELECT ON customer_last_orders TO talab_dashboard, talab_admin;
