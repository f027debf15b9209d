-- The sender leases the replies it is about to post in a statement committed on its own, and marks
-- each one sent as soon as the Graph API answers, instead of holding one transaction across a whole
-- round of HTTP calls and marking them all at its end. A process killed mid-round now re-sends at
-- most the replies posted in the milliseconds between an answer and its mark (the Graph API has no
-- idempotency key: at-least-once out), and no pool connection waits on the network.
--
-- As for the inbox, a lease names the backend of the connection that took it: a lease whose backend
-- is gone (its process died) or whose time ran out is free to take again.
ALTER TABLE outbound_messages
    ADD COLUMN leased_until timestamptz,
    ADD COLUMN lease_pid integer;
