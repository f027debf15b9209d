-- The WhatsApp runtime: webhook bodies persisted before they are acknowledged, customers known per
-- business, every message logged append-only, delivery statuses that only move forward, and the
-- replies waiting to be sent.

CREATE TYPE webhook_state AS ENUM ('pending', 'done', 'failed');

-- Every signed POST, stored before the 200. Workers claim pending rows with FOR UPDATE SKIP LOCKED;
-- a row whose ordering key (business number and customer) has an older pending row waits for it, so
-- one customer's messages are handled in arrival order by any number of workers.
CREATE TABLE webhook_inbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    body bytea NOT NULL,
    ordering_key text,
    state webhook_state NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0,
    available_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    error text
);
CREATE INDEX webhook_inbox_pending_idx ON webhook_inbox (id) WHERE state = 'pending';
CREATE INDEX webhook_inbox_ordering_idx ON webhook_inbox (ordering_key, id) WHERE state = 'pending';

-- Payloads for a number no tenant has, counted per number.
CREATE TABLE webhook_unroutable (
    phone_number_id text PRIMARY KEY,
    payloads bigint NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now()
);

-- A customer of one business: the business-scoped user id (2026) when WhatsApp gives one, else the
-- phone (wa_id), kept as an attribute that may be missing for username users.
CREATE TABLE whatsapp_customers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id uuid NOT NULL REFERENCES users (id),
    user_id varchar(255),
    wa_id varchar(32),
    profile_name varchar(255),
    username varchar(255),
    last_inbound_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT whatsapp_customers_identified CHECK (user_id IS NOT NULL OR wa_id IS NOT NULL)
);
CREATE UNIQUE INDEX whatsapp_customers_user_id_idx ON whatsapp_customers (business_id, user_id)
    WHERE user_id IS NOT NULL;
CREATE INDEX whatsapp_customers_wa_id_idx ON whatsapp_customers (business_id, wa_id) WHERE wa_id IS NOT NULL;

CREATE TYPE message_direction AS ENUM ('inbound', 'outbound');

-- SPEC.md §3.2, next to the audit log and append-only like it. An inbound message is logged once per
-- business whatever the redeliveries: the unique index is what makes its effect happen once.
CREATE TABLE audit.message_logs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_id uuid NOT NULL,
    branch_id uuid,
    customer_id uuid,
    customer_phone_number varchar(32),
    whatsapp_user_id varchar(255),
    direction message_direction NOT NULL,
    channel text NOT NULL DEFAULT 'whatsapp',
    message_type text NOT NULL,
    text text,
    meta_message_id text,
    context_message_id text,
    language_used customer_language,
    sent_at timestamptz NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT now(),
    payload jsonb
);
CREATE UNIQUE INDEX message_logs_meta_id_idx ON audit.message_logs (business_id, direction, meta_message_id)
    WHERE meta_message_id IS NOT NULL;
CREATE INDEX message_logs_customer_idx ON audit.message_logs (customer_id, sent_at);
CREATE TRIGGER message_logs_append_only BEFORE UPDATE OR DELETE ON audit.message_logs
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER message_logs_no_truncate BEFORE TRUNCATE ON audit.message_logs
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

-- The delivery status of an outbound message: sent < delivered < read; failed records its error and
-- only a later delivered or read replaces it.
CREATE TABLE message_delivery (
    meta_message_id text PRIMARY KEY,
    business_id uuid,
    status text NOT NULL CHECK (status IN ('sent', 'delivered', 'read', 'played', 'failed')),
    rank smallint NOT NULL,
    error_code integer,
    error_title text,
    status_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE outbound_state AS ENUM ('pending', 'sent', 'failed');

-- Replies decided while handling a message, written in the same transaction and sent afterwards.
CREATE TABLE outbound_messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_id uuid NOT NULL REFERENCES users (id),
    branch_id uuid REFERENCES branches (id),
    customer_id uuid REFERENCES whatsapp_customers (id),
    phone_number_id text NOT NULL,
    body jsonb NOT NULL,
    state outbound_state NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0,
    available_at timestamptz NOT NULL DEFAULT now(),
    meta_message_id text,
    error_code integer,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX outbound_messages_pending_idx ON outbound_messages (id) WHERE state = 'pending';
CREATE INDEX outbound_messages_customer_pending_idx ON outbound_messages (customer_id, id) WHERE state = 'pending';
