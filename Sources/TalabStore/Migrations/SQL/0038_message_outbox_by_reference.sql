-- The message log's outbox rows name their message instead of carrying a copy (issue #20), as the
-- audit trail's do since 0035. Every inbound message and every reply sent writes a message log
-- row, and its trigger built the row's jsonb twice (for the time and for the body): the costliest
-- statement of a worker's, sampled while it handled a backlog. A message log row never changes
-- (audit.refuse_change) and is deleted only by the retention, which deletes its outbox row in the
-- same transaction (by the same time), so the relay can read it when it relays.

ALTER TABLE log_outbox ADD COLUMN message_log_id bigint;
ALTER TABLE log_outbox DROP CONSTRAINT log_outbox_body_or_audit_record;
ALTER TABLE log_outbox ADD CONSTRAINT log_outbox_body_or_record CHECK (
    body IS NOT NULL
    OR (collection = 'audit_logs' AND audit_id IS NOT NULL)
    OR (collection = 'message_logs' AND message_log_id IS NOT NULL)
);

CREATE FUNCTION log_outbox_queue_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO log_outbox (collection, document_id, business_id, at, message_log_id)
    VALUES ('message_logs', md5('message_logs/' || NEW.id::text)::uuid,
            coalesce(NEW.business_id, '00000000-0000-0000-0000-000000000000'::uuid), NEW.sent_at, NEW.id);
    RETURN NULL;
END;
$$;

DROP TRIGGER message_logs_outbox ON audit.message_logs;
CREATE TRIGGER message_logs_outbox AFTER INSERT ON audit.message_logs
    FOR EACH ROW EXECUTE FUNCTION log_outbox_queue_message();
DROP FUNCTION log_outbox_queue();
