-- Active and recent orders (SPEC.md §2.8, §8, §9). Finished orders are archived to the log store
-- after 24 hours and deleted here, so no foreign key cascades: history is removed on purpose only.

CREATE TYPE order_source AS ENUM ('whatsapp');
CREATE TYPE delivery_type AS ENUM ('takeaway', 'delivery', 'on_site');
CREATE TYPE order_status AS ENUM ('pending', 'accepted', 'preparing', 'ready', 'completed', 'cancelled');
CREATE TYPE status_changed_by AS ENUM ('system', 'business', 'customer');
CREATE TYPE payment_method AS ENUM ('cash', 'card', 'wallet', 'unknown');
CREATE TYPE payment_status AS ENUM ('unpaid', 'paid', 'refunded');

CREATE TABLE orders (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id uuid NOT NULL REFERENCES users (id),
    branch_id uuid NOT NULL REFERENCES branches (id),
    -- Departure from SPEC.md on purpose: with WhatsApp usernames (2026) a customer may arrive
    -- without a phone number, so either the phone number or the WhatsApp user id identifies them.
    customer_phone_number varchar(20),
    whatsapp_user_id varchar(255),
    customer_name varchar(255),
    language_used customer_language,
    order_source order_source NOT NULL DEFAULT 'whatsapp',

    delivery_type delivery_type NOT NULL,
    delivery_address_location_id uuid REFERENCES locations (id),
    status order_status NOT NULL DEFAULT 'pending',
    payment_method payment_method NOT NULL DEFAULT 'unknown',
    payment_status payment_status NOT NULL DEFAULT 'unpaid',

    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    subtotal numeric(10, 2) NOT NULL CHECK (subtotal >= 0),
    delivery_price numeric(10, 2) NOT NULL DEFAULT 0 CHECK (delivery_price >= 0),
    total numeric(10, 2) NOT NULL CHECK (total >= 0),

    notes text,
    scheduled_for timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    cancelled_at timestamptz,

    CONSTRAINT orders_customer_identified CHECK (customer_phone_number IS NOT NULL OR whatsapp_user_id IS NOT NULL),
    CONSTRAINT orders_completed_at CHECK (status <> 'completed' OR completed_at IS NOT NULL),
    CONSTRAINT orders_cancelled_at CHECK (status <> 'cancelled' OR cancelled_at IS NOT NULL)
);

CREATE TABLE order_items (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id uuid NOT NULL REFERENCES orders (id),
    item_id uuid NOT NULL REFERENCES items (id),
    quantity integer NOT NULL CHECK (quantity > 0),
    price_at_time numeric(10, 2) NOT NULL CHECK (price_at_time >= 0),
    name_at_time varchar(255) NOT NULL,
    notes text,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The options a customer picked for an order item, snapshotted like the item itself.
CREATE TABLE order_item_options (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_item_id uuid NOT NULL REFERENCES order_items (id),
    item_option_id uuid NOT NULL REFERENCES item_options (id),
    group_name_at_time varchar(255) NOT NULL,
    name_at_time varchar(255) NOT NULL,
    price_delta_at_time numeric(10, 2) NOT NULL CHECK (price_delta_at_time >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE order_status_history (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id uuid NOT NULL REFERENCES orders (id),
    status order_status NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by status_changed_by NOT NULL DEFAULT 'system'
);

CREATE TRIGGER orders_updated_at BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- SPEC.md §8.
CREATE INDEX orders_business_id_created_at_idx ON orders (business_id, created_at);
CREATE INDEX orders_branch_id_created_at_idx ON orders (branch_id, created_at);
CREATE INDEX orders_customer_phone_number_created_at_idx ON orders (customer_phone_number, created_at);
CREATE INDEX order_items_order_id_idx ON order_items (order_id);
CREATE INDEX order_status_history_order_id_idx ON order_status_history (order_id);

-- What the archiver and the customer's WhatsApp thread look up.
CREATE INDEX orders_whatsapp_user_id_created_at_idx ON orders (whatsapp_user_id, created_at)
    WHERE whatsapp_user_id IS NOT NULL;
CREATE INDEX orders_finished_idx ON orders (status, completed_at, cancelled_at)
    WHERE status IN ('completed', 'cancelled');
CREATE INDEX order_item_options_order_item_id_idx ON order_item_options (order_item_id);
