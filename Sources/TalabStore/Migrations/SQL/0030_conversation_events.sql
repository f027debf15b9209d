-- What only a WhatsApp-native product can count (issue #17): moments of a conversation the business
-- never sees on its board. A customer's cart begun, an order confirmed, a line the bot could not read
-- (with its text: demand for what the menu does not list), an item asked for while out of stock or
-- hidden, a confirmation refused while the branch was paused, a hand-off to a person.

CREATE TABLE conversation_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id uuid NOT NULL REFERENCES users (id),
    branch_id uuid REFERENCES branches (id),
    customer text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    kind text NOT NULL CHECK (kind IN ('cart', 'confirmed', 'not_understood', 'unavailable', 'paused', 'hand_off')),
    -- What the customer wrote (not_understood), or the item's name (unavailable); at most 200 characters.
    detail text CHECK (char_length(detail) <= 200)
);
CREATE INDEX conversation_events_business_at_idx ON conversation_events (business_id, at);

ALTER TABLE conversation_events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY service_rows ON conversation_events TO talab_service USING (true) WITH CHECK (true);
CREATE POLICY business_rows ON conversation_events TO talab_dashboard
    USING (business_id = talab_business()) WITH CHECK (business_id = talab_business());
CREATE POLICY admin_rows ON conversation_events TO talab_admin USING (true) WITH CHECK (true);
GRANT SELECT ON conversation_events TO talab_dashboard, talab_admin;
