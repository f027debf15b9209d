-- The rollup's items and customers also as parallel arrays, which a year of reports adds up much
-- faster than the same figures read out of jsonb (unnest instead of jsonb_each and ->> per value).
-- The jsonb columns stay: names and options are read from them for the few items a report shows.

ALTER TABLE daily_business_metrics
    ADD COLUMN item_ids uuid[],
    ADD COLUMN item_quantities integer[],
    ADD COLUMN item_revenue numeric(14, 2)[],
    ADD COLUMN customer_keys text[],
    ADD COLUMN customer_orders integer[],
    ADD COLUMN customer_spent numeric(14, 2)[];

UPDATE daily_business_metrics m SET
    item_ids = coalesce((SELECT array_agg(i.key::uuid ORDER BY i.key) FROM jsonb_each(m.items) i), '{}'),
    item_quantities = coalesce(
        (SELECT array_agg((i.value ->> 'quantity')::integer ORDER BY i.key) FROM jsonb_each(m.items) i), '{}'),
    item_revenue = coalesce(
        (SELECT array_agg((i.value ->> 'revenue')::numeric ORDER BY i.key) FROM jsonb_each(m.items) i), '{}'),
    customer_keys = coalesce((SELECT array_agg(c.key ORDER BY c.key) FROM jsonb_each(m.customers) c), '{}'),
    customer_orders = coalesce(
        (SELECT array_agg((c.value ->> 'orders')::integer ORDER BY c.key) FROM jsonb_each(m.customers) c), '{}'),
    customer_spent = coalesce(
        (SELECT array_agg((c.value ->> 'spent')::numeric ORDER BY c.key) FROM jsonb_each(m.customers) c), '{}');

ALTER TABLE daily_business_metrics
    ALTER COLUMN item_ids SET NOT NULL, ALTER COLUMN item_ids SET DEFAULT '{}',
    ALTER COLUMN item_quantities SET NOT NULL, ALTER COLUMN item_quantities SET DEFAULT '{}',
    ALTER COLUMN item_revenue SET NOT NULL, ALTER COLUMN item_revenue SET DEFAULT '{}',
    ALTER COLUMN customer_keys SET NOT NULL, ALTER COLUMN customer_keys SET DEFAULT '{}',
    ALTER COLUMN customer_orders SET NOT NULL, ALTER COLUMN customer_orders SET DEFAULT '{}',
    ALTER COLUMN customer_spent SET NOT NULL, ALTER COLUMN customer_spent SET DEFAULT '{}',
    ADD CONSTRAINT daily_business_metrics_item_arrays CHECK (
        cardinality(item_ids) = cardinality(item_quantities) AND cardinality(item_ids) = cardinality(item_revenue)),
    ADD CONSTRAINT daily_business_metrics_customer_arrays CHECK (
        cardinality(customer_keys) = cardinality(customer_orders)
        AND cardinality(customer_keys) = cardinality(customer_spent));
