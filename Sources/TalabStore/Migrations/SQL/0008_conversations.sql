-- Each customer's conversation with a business: its state (language, cart, what it waits for),
-- kept between messages and across restarts; an idle one starts over (the runtime decides when).

CREATE TABLE conversations (
    business_id uuid NOT NULL REFERENCES users (id),
    customer_id uuid NOT NULL REFERENCES whatsapp_customers (id),
    branch_key text,
    state jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (business_id, customer_id)
);
