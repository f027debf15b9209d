-- A language model behind the engine's rules (issue #19): a business opts in (`settings.llm`), each
-- message's log row says whether the model was asked and what it cost (SPEC §3.2), and each
-- business's daily use is counted (what `TALAB_LLM_DAILY_TOKENS` caps).

ALTER TABLE users
    ADD COLUMN llm text NOT NULL DEFAULT 'off' CHECK (llm IN ('off', 'fallback', 'always'));

ALTER TABLE audit.message_logs
    ADD COLUMN llm_used boolean NOT NULL DEFAULT false,
    ADD COLUMN tokens_in integer CHECK (tokens_in >= 0),
    ADD COLUMN tokens_out integer CHECK (tokens_out >= 0),
    ADD COLUMN latency_ms integer CHECK (latency_ms >= 0);

CREATE TABLE llm_usage (
    business_id uuid NOT NULL REFERENCES users (id),
    day date NOT NULL,
    calls integer NOT NULL DEFAULT 0,
    -- Calls that gave the engine nothing it could use: a timeout, an error, an answer not understood.
    failures integer NOT NULL DEFAULT 0,
    tokens_in bigint NOT NULL DEFAULT 0,
    tokens_out bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (business_id, day)
);

ALTER TABLE llm_usage ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY service_rows ON llm_usage TO talab_service USING (true) WITH CHECK (true);
CREATE POLICY business_rows ON llm_usage TO talab_dashboard
    USING (business_id = talab_business()) WITH CHECK (business_id = talab_business());
CREATE POLICY admin_rows ON llm_usage TO talab_admin USING (true) WITH CHECK (true);
GRANT SELECT ON llm_usage TO talab_dashboard, talab_admin;
