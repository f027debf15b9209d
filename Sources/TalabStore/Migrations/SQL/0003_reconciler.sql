-- What the reconciler needs: an append-only audit log in its own schema (SPEC.md §3.3, plus the
-- commit and the file and line that caused each change) and a record of every reconcile run.

CREATE SCHEMA audit;

CREATE TABLE audit.audit_logs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    -- A dashboard user when one acted; a change from git names the commit's author instead.
    actor_user_id uuid,
    actor_name text NOT NULL,
    actor_email text,
    business_id uuid,
    action text NOT NULL,
    entity_type text NOT NULL,
    entity_id uuid,
    before jsonb,
    after jsonb,
    commit_sha text,
    file text,
    line integer,
    ip inet,
    reconcile_run_id uuid
);

CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit.audit_logs is append-only: % is not allowed', TG_OP USING ERRCODE = '42501';
END;
$$;

CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE ON audit.audit_logs
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON audit.audit_logs
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

CREATE INDEX audit_logs_business_occurred_idx ON audit.audit_logs (business_id, occurred_at);
CREATE INDEX audit_logs_entity_idx ON audit.audit_logs (entity_id, occurred_at);

CREATE TABLE reconcile_runs (
    id uuid PRIMARY KEY,
    commit_sha text NOT NULL,
    actor_name text NOT NULL,
    actor_email text,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    outcome text NOT NULL CHECK (outcome IN ('applied', 'no_changes', 'failed')),
    creates integer NOT NULL DEFAULT 0,
    updates integer NOT NULL DEFAULT 0,
    deletes integer NOT NULL DEFAULT 0,
    restores integer NOT NULL DEFAULT 0,
    error text
);

-- A business and its address point at each other: check both at commit, so one transaction can
-- create them in either order.
ALTER TABLE users DROP CONSTRAINT users_location_id_fkey,
    ADD CONSTRAINT users_location_id_fkey FOREIGN KEY (location_id) REFERENCES locations (id)
        DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE locations DROP CONSTRAINT locations_business_id_fkey,
    ADD CONSTRAINT locations_business_id_fkey FOREIGN KEY (business_id) REFERENCES users (id)
        DEFERRABLE INITIALLY DEFERRED;
