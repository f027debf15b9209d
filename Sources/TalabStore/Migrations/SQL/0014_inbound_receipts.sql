-- The message log goes back to being only a log, append-only without exception. Two live jobs it
-- did move to tables of their own:
-- - the exactly-once guard: a receipt per (business, Meta message id), written in the transaction
--   that handles the message; a redelivery finds it and takes no effect;
-- - the 24-hour customer-service window: the customer's latest message time, kept on the customer
--   (the greatest timestamp seen, so a late redelivery does not move it).
-- The inbound log row is now written once the message is handled, with the language it was read
-- in, instead of being written first and its language filled in afterwards (0010's exception).
CREATE TABLE inbound_receipts (
    business_id uuid NOT NULL,
    meta_message_id text NOT NULL,
    customer_id uuid,
    sent_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (business_id, meta_message_id)
);

INSERT INTO inbound_receipts (business_id, meta_message_id, customer_id, sent_at, received_at)
SELECT business_id, meta_message_id, customer_id, sent_at, logged_at FROM audit.message_logs
WHERE direction = 'inbound' AND meta_message_id IS NOT NULL
ON CONFLICT DO NOTHING;

UPDATE whatsapp_customers c SET last_inbound_at = m.last
FROM (SELECT customer_id, max(sent_at) AS last FROM audit.message_logs WHERE direction = 'inbound' GROUP BY 1) m
WHERE m.customer_id = c.id;

DROP TRIGGER message_logs_append_only ON audit.message_logs;
CREATE TRIGGER message_logs_append_only BEFORE UPDATE OR DELETE ON audit.message_logs
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
DROP FUNCTION audit.message_logs_language_once();
