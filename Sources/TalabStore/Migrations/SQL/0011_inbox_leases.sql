-- A webhook body is leased before it is handled, in a statement committed on its own, so an attempt
-- is counted even when the process handling it dies (a trap, an out-of-memory kill, kill -9): the
-- transaction that handles the body would roll back with the process, and the count with it.
--
-- A lease names the PostgreSQL backend of the connection that took it and ends at `leased_until`:
-- a row whose backend is gone (its process died) or whose lease ran out is taken again, and that
-- earlier attempt is counted in `lost_attempts`. A body lost three times (once in its batch, twice
-- handled alone) is dead-lettered: state 'failed' with the reason in `error`, listed by
-- `talab inbox dead` and put back by `talab inbox retry ID`. A dead-lettered body no longer holds
-- back its customer's later messages.
ALTER TABLE webhook_inbox
    ADD COLUMN lease uuid,
    ADD COLUMN lease_pid integer,
    ADD COLUMN leased_until timestamptz,
    ADD COLUMN lost_attempts integer NOT NULL DEFAULT 0;

-- Dead letters, newest first, for the operator.
CREATE INDEX webhook_inbox_failed_idx ON webhook_inbox (id) WHERE state = 'failed';
