-- Live order boards: every new order and every status change is announced on the channel
-- talab_orders as "<business> <order> <status> <branch>", heard by one LISTEN per server process,
-- which tells the open boards of that business (Server-Sent Events). The payload names rows only:
-- a board fetches what it shows through its own scope, under row-level security.

CREATE FUNCTION orders_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('talab_orders', NEW.business_id::text || ' ' || NEW.id::text || ' ' || NEW.status::text
        || ' ' || NEW.branch_id::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER orders_announce_insert AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION orders_announce();
CREATE TRIGGER orders_announce_status AFTER UPDATE OF status ON orders
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION orders_announce();
