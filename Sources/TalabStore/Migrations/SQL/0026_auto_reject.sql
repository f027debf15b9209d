-- A business's setting (settings.auto_reject_minutes in business.yaml): an order nobody accepted in
-- that many minutes is cancelled by the system and the customer told. NULL: orders wait.
ALTER TABLE users ADD COLUMN auto_reject_minutes integer CHECK (auto_reject_minutes BETWEEN 1 AND 240);

-- The orders waiting for the kitchen, oldest first: what the auto-reject round reads.
CREATE INDEX orders_pending_idx ON orders (created_at) WHERE status = 'pending';
