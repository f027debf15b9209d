-- The catalog's version bumps fire whatever session_replication_role says (issue #20). The
-- reconciler inserts a large apply's rows with PostgreSQL's per-row foreign-key checks off for its
-- transaction (`replica`) and checks each key over all the new rows instead (ReferenceCheck); the
-- versions the servers refresh by must still move. It turns the row checks off only when every
-- other trigger that fires on insert is `ENABLE ALWAYS`, so a trigger added later without it keeps
-- the row checks on. (On a logical-replication subscriber these would fire too; Talab's replicas
-- are physical.)
DO $$
DECLARE
    trigger record;
BEGIN
    FOR trigger IN
        SELECT t.tgrelid::regclass AS owner, t.tgname AS name FROM pg_trigger t
        WHERE t.tgname IN ('catalog_version_insert', 'catalog_version_update', 'catalog_version_delete')
    LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', trigger.owner, trigger.name);
    END LOOP;
END
$$;
