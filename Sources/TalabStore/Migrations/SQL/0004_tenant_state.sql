-- What the reconciler last applied for each tenant: the commit, the tenant folder's git tree id and
-- a fingerprint of its rows. A plan skips a tenant whose folder and rows are both unchanged, and a
-- fingerprint that moved without a commit is a change made outside git (drift).

CREATE TABLE tenant_reconcile_state (
    business_id uuid PRIMARY KEY REFERENCES users (id),
    slug text NOT NULL UNIQUE,
    commit_sha text NOT NULL,
    subtree_oid text NOT NULL,
    content_hash text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
