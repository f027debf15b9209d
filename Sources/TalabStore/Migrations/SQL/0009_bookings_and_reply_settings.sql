-- Bookings of services (a padel court for 90 minutes, a haircut), and two business settings the
-- conversation needs: how Arabizi is answered, and the name of the order-update template.

ALTER TABLE users
    ADD COLUMN arabizi_replies text NOT NULL DEFAULT 'arabizi' CHECK (arabizi_replies IN ('arabizi', 'arabic')),
    ADD COLUMN order_update_template varchar(512) NOT NULL DEFAULT 'order_update'
        CHECK (order_update_template ~ '^[a-z0-9_]+$');

-- A booking is an order (with scheduled_for) that takes places of a service for a stretch of time.
-- A service's capacity (items.capacity, 1 when unset) bounds the places taken at any moment, per
-- branch; the trigger below enforces it, so two customers can never take the last place at once.
CREATE TABLE bookings (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id uuid NOT NULL REFERENCES orders (id),
    business_id uuid NOT NULL REFERENCES users (id),
    branch_id uuid NOT NULL REFERENCES branches (id),
    item_id uuid NOT NULL REFERENCES items (id),
    during tstzrange NOT NULL CHECK (NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)),
    places integer NOT NULL DEFAULT 1 CHECK (places > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX bookings_branch_item_start_idx ON bookings (branch_id, item_id, lower(during));
CREATE INDEX bookings_order_id_idx ON bookings (order_id);

CREATE FUNCTION bookings_within_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    allowed integer;
    busiest integer;
BEGIN
    -- One booking at a time per service and branch: a concurrent booking of the same service waits
    -- here until the first commits or rolls back, then counts it (each statement below takes a new
    -- snapshot under READ COMMITTED).
    PERFORM pg_advisory_xact_lock(hashtextextended(NEW.branch_id::text || '/' || NEW.item_id::text, 0));
    SELECT coalesce(capacity, 1) INTO allowed FROM items WHERE id = NEW.item_id;
    -- The places taken only rise where a booking starts: count at the new booking's start and at
    -- every start of an overlapping booking inside it. Cancelled orders free their places.
    WITH others AS (
        SELECT b.during, b.places FROM bookings b JOIN orders o ON o.id = b.order_id
        WHERE b.branch_id = NEW.branch_id AND b.item_id = NEW.item_id AND b.id <> NEW.id
          AND o.status <> 'cancelled' AND b.during && NEW.during
    ), moments AS (
        SELECT lower(NEW.during) AS moment
        UNION SELECT lower(during) FROM others WHERE lower(during) > lower(NEW.during)
    )
    SELECT coalesce(max(taken), 0) INTO busiest FROM (
        SELECT (SELECT coalesce(sum(places), 0) FROM others WHERE during @> moments.moment) AS taken FROM moments
    ) counts;
    IF busiest + NEW.places > allowed THEN
        RAISE EXCEPTION 'booking_full: % of % places already taken', busiest, allowed
            USING ERRCODE = 'exclusion_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER bookings_within_capacity BEFORE INSERT OR UPDATE OF during, places, item_id, branch_id ON bookings
    FOR EACH ROW EXECUTE FUNCTION bookings_within_capacity();
