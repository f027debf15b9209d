-- Retention of the message log (TALAB_MESSAGE_LOG_DAYS): customers' messages may be kept for a
-- set number of days. The logs stay append-only for everyone else: a DELETE is allowed only for a
-- row older than the cutoff that the retention job sets for its own transaction
-- (SET LOCAL talab.expire_before), and TRUNCATE is still refused.

CREATE FUNCTION audit.refuse_change_unless_expired() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cutoff text := current_setting('talab.expire_before', true);
    stamp timestamptz;
BEGIN
    IF TG_OP = 'DELETE' AND cutoff IS NOT NULL AND cutoff <> '' THEN
        stamp := CASE WHEN TG_TABLE_SCHEMA = 'history' THEN (to_jsonb(OLD) ->> 'at')::timestamptz
                      ELSE (to_jsonb(OLD) ->> 'sent_at')::timestamptz END;
        IF stamp < cutoff::timestamptz THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '%.% is append-only: % is not allowed', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
        USING ERRCODE = '42501';
END;
$$;

DROP TRIGGER message_logs_append_only ON audit.message_logs;
CREATE TRIGGER message_logs_append_only BEFORE UPDATE OR DELETE ON audit.message_logs
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change_unless_expired();

DROP TRIGGER message_logs_append_only ON history.message_logs;
CREATE TRIGGER message_logs_append_only BEFORE UPDATE OR DELETE ON history.message_logs
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change_unless_expired();
