-- A counter per tenant that moves with every write to its catalog rows, from the reconciler or
-- from anyone else. The reconciler stores the value it left behind; a plan compares one row per
-- tenant instead of reading every row of every tenant, and a value that moved without a commit is
-- a change made outside git (drift).
--
-- Statement-level triggers with transition tables: a batch of 50,000 item rows bumps each tenant
-- once, not once per row. PostgreSQL allows a transition table only on a single-event trigger,
-- hence three triggers per table.

CREATE TABLE catalog_versions (
    business_id uuid PRIMARY KEY,
    version bigint NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);

-- TG_ARGV[0] says how a row of the table reaches its business: it is one ('self', business users
-- only), it has a business_id, or it belongs to an item or a branch.
CREATE FUNCTION bump_catalog_versions() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed text := CASE TG_OP WHEN 'DELETE' THEN 'old_rows' ELSE 'new_rows' END;
    businesses text;
BEGIN
    businesses := CASE TG_ARGV[0]
        WHEN 'self' THEN format('SELECT r.id FROM %I r WHERE r.user_type = ''business''', changed)
        WHEN 'business_id' THEN format('SELECT r.business_id FROM %I r WHERE r.business_id IS NOT NULL', changed)
        WHEN 'item' THEN format('SELECT i.business_id FROM %I r JOIN items i ON i.id = r.item_id', changed)
        WHEN 'branch' THEN format('SELECT b.business_id FROM %I r JOIN branches b ON b.id = r.branch_id', changed)
    END;
    EXECUTE format(
        'INSERT INTO catalog_versions AS v (business_id, version) SELECT DISTINCT s.id, 1 FROM (%s) AS s(id) '
        'ON CONFLICT (business_id) DO UPDATE SET version = v.version + 1, changed_at = now()',
        businesses
    );
    RETURN NULL;
END
$$;

DO $$
DECLARE
    owner record;
BEGIN
    FOR owner IN
        SELECT * FROM (VALUES
            ('users', 'self'), ('locations', 'business_id'), ('branches', 'business_id'),
            ('menus', 'business_id'), ('branch_menus', 'branch'), ('items', 'business_id'),
            ('item_option_groups', 'item'), ('item_options', 'item'), ('item_ingredients', 'item'),
            ('opening_hours', 'business_id'), ('date_overrides', 'business_id'), ('policies', 'business_id')
        ) AS t(name, reach)
    LOOP
        EXECUTE format(
            'CREATE TRIGGER catalog_version_insert AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_versions(%L)', owner.name, owner.reach);
        EXECUTE format(
            'CREATE TRIGGER catalog_version_update AFTER UPDATE ON %I REFERENCING NEW TABLE AS new_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_versions(%L)', owner.name, owner.reach);
        EXECUTE format(
            'CREATE TRIGGER catalog_version_delete AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_versions(%L)', owner.name, owner.reach);
    END LOOP;
END
$$;

INSERT INTO catalog_versions (business_id, version) SELECT id, 1 FROM users WHERE user_type = 'business';
