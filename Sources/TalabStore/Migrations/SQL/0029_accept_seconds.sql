-- How long the business took to accept each order placed that day (placed → accepted, whatever
-- became of it), sorted: the business's reply time in the analytics.
ALTER TABLE daily_business_metrics ADD COLUMN accept_seconds integer[] NOT NULL DEFAULT '{}';
