-- The message log stays append-only with one exception: an inbound message's language_used, unknown
-- when the row is written (the row is the exactly-once guard, written before the conversation
-- reads the message), may be filled in once, by the same transaction that reads it.

CREATE FUNCTION audit.message_logs_language_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.language_used IS NULL AND NEW.language_used IS NOT NULL
        AND (to_jsonb(NEW) - 'language_used') = (to_jsonb(OLD) - 'language_used') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit.message_logs is append-only: % is not allowed', TG_OP USING ERRCODE = '42501';
END;
$$;

DROP TRIGGER message_logs_append_only ON audit.message_logs;
CREATE TRIGGER message_logs_append_only BEFORE UPDATE OR DELETE ON audit.message_logs
    FOR EACH ROW EXECUTE FUNCTION audit.message_logs_language_once();
