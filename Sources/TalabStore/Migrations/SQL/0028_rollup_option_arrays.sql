-- Each item's options in the rollup also as parallel arrays (item, option name, how many), so a
-- year's report reads the options of its top items without opening every day's jsonb.

ALTER TABLE daily_business_metrics
    ADD COLUMN option_item_ids uuid[],
    ADD COLUMN option_names text[],
    ADD COLUMN option_counts integer[];

UPDATE daily_business_metrics m SET
    option_item_ids = coalesce((
        SELECT array_agg(i.key::uuid ORDER BY i.key, o.key)
        FROM jsonb_each(m.items) i CROSS JOIN LATERAL jsonb_each_text(coalesce(i.value -> 'options', '{}')) o), '{}'),
    option_names = coalesce((
        SELECT array_agg(o.key ORDER BY i.key, o.key)
        FROM jsonb_each(m.items) i CROSS JOIN LATERAL jsonb_each_text(coalesce(i.value -> 'options', '{}')) o), '{}'),
    option_counts = coalesce((
        SELECT array_agg(o.value::integer ORDER BY i.key, o.key)
        FROM jsonb_each(m.items) i CROSS JOIN LATERAL jsonb_each_text(coalesce(i.value -> 'options', '{}')) o), '{}');

ALTER TABLE daily_business_metrics
    ALTER COLUMN option_item_ids SET NOT NULL, ALTER COLUMN option_item_ids SET DEFAULT '{}',
    ALTER COLUMN option_names SET NOT NULL, ALTER COLUMN option_names SET DEFAULT '{}',
    ALTER COLUMN option_counts SET NOT NULL, ALTER COLUMN option_counts SET DEFAULT '{}',
    ADD CONSTRAINT daily_business_metrics_option_arrays CHECK (
        cardinality(option_item_ids) = cardinality(option_names)
        AND cardinality(option_item_ids) = cardinality(option_counts));
