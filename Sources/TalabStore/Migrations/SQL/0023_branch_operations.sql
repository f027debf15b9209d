-- What a business changes during its day, per branch, from the dashboard (not configuration, so not
-- in git): new orders paused (until a time, or until reopened) and busy mode (minutes added to the
-- preparation time quoted). The bot reads it with every order it is about to place.

CREATE TABLE branch_operations (
    branch_id uuid PRIMARY KEY REFERENCES branches (id),
    business_id uuid NOT NULL REFERENCES users (id),
    -- Paused while now() < paused_until; 'infinity' until someone reopens.
    paused_until timestamptz,
    busy_minutes integer NOT NULL DEFAULT 0 CHECK (busy_minutes BETWEEN 0 AND 240),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text
);

ALTER TABLE branch_operations ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY service_rows ON branch_operations TO talab_service USING (true) WITH CHECK (true);
CREATE POLICY business_rows ON branch_operations TO talab_dashboard
    USING (business_id = talab_business()) WITH CHECK (business_id = talab_business());
GRANT SELECT, INSERT, UPDATE ON branch_operations TO talab_dashboard;
