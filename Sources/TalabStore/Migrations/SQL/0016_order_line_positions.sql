-- An order's lines and their options keep the order the customer gave them in: the dashboard, the
-- customer's receipt and the archived document list them that way (rows inserted in one
-- transaction share their created_at, so it cannot tell).

ALTER TABLE order_items ADD COLUMN position integer NOT NULL DEFAULT 0 CHECK (position >= 0);
ALTER TABLE order_item_options ADD COLUMN position integer NOT NULL DEFAULT 0 CHECK (position >= 0);
