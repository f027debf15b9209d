-- The audit trail's outbox rows name their audit record instead of carrying a copy of it (issue
-- #20). A first apply writes 210,000 audit records; copying each into the outbox as jsonb cost
-- 2.4 s of it (measured). An audit record never changes (audit.refuse_change), so the relay reads
-- it when it relays: the same document, built from the same row, under the same stable id. The
-- message log keeps its copies: its retention deletes rows the outbox may still be waiting on.

ALTER TABLE log_outbox ADD COLUMN audit_id bigint;
ALTER TABLE log_outbox ALTER COLUMN body DROP NOT NULL;
ALTER TABLE log_outbox ADD CONSTRAINT log_outbox_body_or_audit_record
    CHECK (body IS NOT NULL OR (collection = 'audit_logs' AND audit_id IS NOT NULL));

CREATE OR REPLACE FUNCTION log_outbox_queue_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO log_outbox (collection, document_id, business_id, at, audit_id)
    SELECT TG_ARGV[0],
           md5(TG_ARGV[0] || '/' || n.id::text)::uuid,
           coalesce(n.business_id, '00000000-0000-0000-0000-000000000000'::uuid),
           n.occurred_at,
           n.id
    FROM inserted n;
    RETURN NULL;
END;
$$;
