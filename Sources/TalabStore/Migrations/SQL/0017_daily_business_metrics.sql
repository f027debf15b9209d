-- The nightly rollup (SPEC.md §3.4, §4.3): per business, branch and local date (the business's
-- time zone), what its orders placed that day came to. Rows are recomputed whole, so a rollup can
-- be run again for any past range; sums over days give any period (items, customers, hours and
-- completion times are kept in forms that add up).

CREATE TABLE daily_business_metrics (
    business_id uuid NOT NULL,
    branch_id uuid NOT NULL,
    date date NOT NULL,
    currency char(3) NOT NULL,
    -- Completed orders, and what they came to (cancelled orders are never revenue).
    orders_count integer NOT NULL CHECK (orders_count >= 0),
    revenue_total numeric(14, 2) NOT NULL CHECK (revenue_total >= 0),
    avg_order_value numeric(12, 2),
    cancelled_count integer NOT NULL CHECK (cancelled_count >= 0),
    -- Placed that day and not finished when the rollup ran.
    open_count integer NOT NULL CHECK (open_count >= 0),
    -- The ten items ordered most in completed orders: [{item_id, name, quantity, revenue}].
    top_items jsonb NOT NULL,
    -- Every item: {item_id: {name, quantity, revenue}}, to add up over a period.
    items jsonb NOT NULL,
    -- Orders placed in each local hour (24 counts), and the (up to three) busiest hours.
    hourly_orders integer[] NOT NULL CHECK (cardinality(hourly_orders) = 24),
    peak_hours integer[] NOT NULL,
    -- Customers with a completed order that day; those who had one on an earlier day.
    customers_count integer NOT NULL,
    repeat_customers_count integer NOT NULL,
    -- {customer: {orders, spent}}, the customer as their phone number or WhatsApp user id.
    customers jsonb NOT NULL,
    -- Seconds from placed to completed of each completed order, sorted; their p50 and p90.
    completion_seconds integer[] NOT NULL,
    completion_p50_seconds integer,
    completion_p90_seconds integer,
    -- Orders by the language they were placed in: {"arabizi": 3, ...}.
    languages jsonb NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (business_id, date, branch_id)
);

-- The first local date each customer of a business completed an order: what "repeat" is measured by.
CREATE TABLE business_customers_seen (
    business_id uuid NOT NULL,
    customer text NOT NULL,
    first_date date NOT NULL,
    PRIMARY KEY (business_id, customer)
);
