-- The audit trail reaches the outbox (0018) once per statement instead of once per row (issue #20):
-- a first apply writes 210,000 audit records in a few dozen INSERT … SELECT statements, and a
-- PL/pgSQL call per row doubled their cost (10 s of a 17 s first apply, measured). The rows queued
-- are the same: one per audit record, its document id and body as before. The message log keeps its
-- row trigger: its inserts are one row each, with ON CONFLICT.

CREATE FUNCTION log_outbox_queue_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO log_outbox (collection, document_id, business_id, at, body)
    SELECT TG_ARGV[0],
           md5(TG_ARGV[0] || '/' || n.id::text)::uuid,
           coalesce(n.business_id, '00000000-0000-0000-0000-000000000000'::uuid),
           n.occurred_at,
           to_jsonb(n)
    FROM inserted n;
    RETURN NULL;
END;
$$;

DROP TRIGGER audit_logs_outbox ON audit.audit_logs;
CREATE TRIGGER audit_logs_outbox AFTER INSERT ON audit.audit_logs
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION log_outbox_queue_statement('audit_logs');
