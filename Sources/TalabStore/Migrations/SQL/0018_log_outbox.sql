-- The message log and the audit trail go to the history (the LogStore: PostgreSQL's schema history,
-- or DynamoDB) through a transactional outbox: a row is queued here by the same transaction that
-- writes it to audit.message_logs or audit.audit_logs, and a relay in talab serve appends the queue
-- to the history and only then deletes it. A crash, or a history that does not answer, loses
-- nothing and never holds up a webhook; the append is idempotent by the document's id.

CREATE TABLE log_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection text NOT NULL CHECK (collection IN ('message_logs', 'audit_logs')),
    -- Stable for the row it copies: the same row is the same document however often it is relayed.
    document_id uuid NOT NULL,
    -- The platform's own entries (no business) file under the nil id.
    business_id uuid NOT NULL,
    at timestamptz NOT NULL,
    body jsonb NOT NULL,
    queued_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION log_outbox_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO log_outbox (collection, document_id, business_id, at, body)
    VALUES (
        TG_ARGV[0],
        md5(TG_ARGV[0] || '/' || NEW.id::text)::uuid,
        coalesce(NEW.business_id, '00000000-0000-0000-0000-000000000000'::uuid),
        CASE TG_ARGV[0] WHEN 'message_logs' THEN (to_jsonb(NEW) ->> 'sent_at')::timestamptz
                        ELSE (to_jsonb(NEW) ->> 'occurred_at')::timestamptz END,
        to_jsonb(NEW)
    );
    RETURN NULL;
END;
$$;

CREATE TRIGGER message_logs_outbox AFTER INSERT ON audit.message_logs
    FOR EACH ROW EXECUTE FUNCTION log_outbox_queue('message_logs');
CREATE TRIGGER audit_logs_outbox AFTER INSERT ON audit.audit_logs
    FOR EACH ROW EXECUTE FUNCTION log_outbox_queue('audit_logs');
