-- The queues (the webhook inbox, the outbound replies) are vacuumed after every few thousand rows
-- handled instead of after a fifth of the table (issue #20). A handled row leaves its entry in the
-- partial index of pending rows until VACUUM removes it, and every lease walks those entries from
-- the oldest: with 40,000 bodies waiting after a burst, two workers handled 377 a second; right
-- after a manual VACUUM of webhook_inbox (0.24 s), 2,342 (measured). Autovacuum still visits a
-- database once per autovacuum_naptime (a minute by default; docs/deploy.md).
ALTER TABLE webhook_inbox SET (
    autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
    autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 2000,
    autovacuum_vacuum_cost_delay = 0
);
ALTER TABLE outbound_messages SET (
    autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
    autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 2000,
    autovacuum_vacuum_cost_delay = 0
);
