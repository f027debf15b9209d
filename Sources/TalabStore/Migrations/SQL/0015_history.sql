-- The history: append-only documents (archived orders, the message log, the audit trail) behind the
-- LogStore protocol's PostgreSQL backend. Each collection is a table of its own in schema history;
-- rows are never updated or deleted (refused by the database, as audit.audit_logs is).

CREATE SCHEMA history;

CREATE FUNCTION history.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'history.% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = '42501';
END;
$$;

DO $$
DECLARE
    collection text;
BEGIN
    FOREACH collection IN ARRAY ARRAY['order_logs', 'message_logs', 'audit_logs'] LOOP
        EXECUTE format(
            'CREATE TABLE history.%I (
                id uuid PRIMARY KEY,
                business_id uuid NOT NULL,
                at timestamptz NOT NULL,
                body jsonb NOT NULL CHECK (jsonb_typeof(body) = ''object''),
                appended_at timestamptz NOT NULL DEFAULT now()
            )', collection);
        -- One business's documents newest first: the query every reader makes.
        EXECUTE format('CREATE INDEX %I ON history.%I (business_id, at DESC, id DESC)',
            collection || '_business_at_idx', collection);
        -- Time ranges across businesses (retention, rollups): rows arrive roughly in time order.
        EXECUTE format('CREATE INDEX %I ON history.%I USING brin (at)', collection || '_at_brin', collection);
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON history.%I
            FOR EACH ROW EXECUTE FUNCTION history.refuse_change()', collection || '_append_only', collection);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON history.%I
            FOR EACH STATEMENT EXECUTE FUNCTION history.refuse_change()', collection || '_no_truncate', collection);
    END LOOP;
END;
$$;
