-- A confirmation makes one order however often it arrives (a double tap, a redelivered webhook):
-- the conversation gives each confirmation a key, unique here.

ALTER TABLE orders ADD COLUMN confirmation_key text;
CREATE UNIQUE INDEX orders_confirmation_key_idx ON orders (confirmation_key) WHERE confirmation_key IS NOT NULL;
