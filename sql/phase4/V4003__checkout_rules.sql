-- Phase 4 · checkout: holds that expire, per-user caps, buyer cancellation, an order state
-- machine, tickets tied to paid orders and to inventory, trigger errors that reveal nothing
-- of other tenants, and sequence privileges.
--
-- Order states (docs/schema.md): pending → paid | cancelled (buyer or backend) | expired (hold
-- ran out) | failed (payment); paid → refunded. Nothing else. pending and paid hold
-- `quantity` units of the tier (reserve_ticket_inventory, phase 0).

ALTER TABLE public.orders
  ADD COLUMN expires_at timestamptz,
  ADD COLUMN tickets_issued integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN public.orders.expires_at IS
  'End of the hold of a pending order (set on INSERT from settings.pending_order_hold).';
COMMENT ON COLUMN public.orders.tickets_issued IS
  'Live (valid/used) tickets of the order; maintained by the tickets trigger, never above quantity.';

ALTER TABLE public.orders DROP CONSTRAINT orders_status_check;
ALTER TABLE public.orders
  ADD CONSTRAINT orders_status_check
    CHECK (status IN ('pending', 'paid', 'cancelled', 'refunded', 'failed', 'expired')) NOT VALID,
  ADD CONSTRAINT orders_tickets_issued_check CHECK (tickets_issued BETWEEN 0 AND quantity) NOT VALID;
-- eventos:ignore validate-in-same-transaction -- this file holds ACCESS EXCLUSIVE on orders from its
-- ADD COLUMN and backfills every order below: validating in a later file would not shorten it
ALTER TABLE public.orders VALIDATE CONSTRAINT orders_status_check;
-- eventos:ignore validate-in-same-transaction -- as above: orders stays locked by this file's ADD COLUMN
ALTER TABLE public.orders VALIDATE CONSTRAINT orders_tickets_issued_check;

-- The settings row, for SECURITY INVOKER triggers (the table itself is not granted).
CREATE FUNCTION eventos_private.current_settings()
RETURNS eventos_private.settings
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT s FROM eventos_private.settings AS s WHERE s.singleton
$$;

-- The hold of a pending order ends at expires_at (orders older than this migration: created_at + hold).
CREATE FUNCTION eventos_private.order_hold_ends(p_order public.orders)
RETURNS timestamptz
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT coalesce(p_order.expires_at, p_order.created_at + s.pending_order_hold)
  FROM eventos_private.settings AS s
$$;

-- ---------------------------------------------------------------------------------------
-- Same rules as phase 0, now SECURITY INVOKER: the tier is looked up with the caller's own
-- RLS, so a tier the caller cannot see is "not found" — no price, no availability, nothing of
-- another tenant reaches an error message (the service role still sees every tier).
CREATE OR REPLACE FUNCTION public.validate_order_totals()
RETURNS trigger
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = ''
AS $$
DECLARE
  v_price numeric(12, 2);
BEGIN
  IF NEW.quantity IS NULL OR NEW.quantity < 1 OR NEW.quantity > 20 THEN
    RAISE EXCEPTION 'Order quantity must be between 1 and 20 (got %)', NEW.quantity
      USING ERRCODE = 'check_violation';
  END IF;

  IF TG_OP = 'INSERT' OR NEW.tier_id IS DISTINCT FROM OLD.tier_id OR NEW.event_id IS DISTINCT FROM OLD.event_id THEN
    SELECT t.price INTO v_price
    FROM public.ticket_tiers AS t
    WHERE t.id = NEW.tier_id AND t.event_id = NEW.event_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'Ticket tier not found for this event'
        USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NEW.unit_price IS NULL THEN
      NEW.unit_price := v_price;
    ELSIF NEW.unit_price <> v_price THEN
      RAISE EXCEPTION 'Order unit price does not match the ticket tier''s price'
        USING ERRCODE = 'check_violation', HINT = 'Omit unit_price to use the tier''s price.';
    END IF;
  END IF;

  IF NEW.unit_price IS NULL THEN
    RAISE EXCEPTION 'Order unit price is required' USING ERRCODE = 'not_null_violation';
  END IF;
  IF NEW.total_amount IS NULL THEN
    NEW.total_amount := NEW.quantity * NEW.unit_price;
  ELSIF NEW.total_amount <> NEW.quantity * NEW.unit_price THEN
    RAISE EXCEPTION 'Order total must equal quantity × unit price'
      USING ERRCODE = 'check_violation', HINT = 'Omit total_amount to have it computed.';
  END IF;
  RETURN NEW;
END;
$$;

-- Inventory as in phase 0 (one conditional UPDATE), plus: when a tier looks sold out, holds
-- that have run out are released first (so an unswept expired hold never blocks a buyer),
-- and the error says nothing about the tier's numbers.
CREATE OR REPLACE FUNCTION public.reserve_ticket_inventory()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_old_hold  integer := 0;
  v_new_hold  integer := 0;
  v_delta     integer;
  v_tier      uuid;
  v_released  integer;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('pending', 'paid') THEN
    v_old_hold := OLD.quantity;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('pending', 'paid') THEN
    v_new_hold := NEW.quantity;
  END IF;

  IF TG_OP = 'UPDATE' AND OLD.tier_id IS DISTINCT FROM NEW.tier_id AND v_old_hold > 0 THEN
    UPDATE public.ticket_tiers SET sold_count = sold_count - v_old_hold WHERE id = OLD.tier_id;
    v_old_hold := 0;
  END IF;

  v_tier := CASE WHEN TG_OP = 'DELETE' THEN OLD.tier_id ELSE NEW.tier_id END;
  v_delta := v_new_hold - v_old_hold;

  IF v_delta > 0 THEN
    UPDATE public.ticket_tiers
       SET sold_count = sold_count + v_delta
     WHERE id = v_tier
       AND sold_count + v_delta <= quantity;
    IF NOT FOUND THEN
      UPDATE public.orders AS o
         SET status = 'expired'
       WHERE o.tier_id = v_tier AND o.status = 'pending'
         AND o.id IS DISTINCT FROM (CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.id END)
         AND eventos_private.order_hold_ends(o) <= pg_catalog.now();
      GET DIAGNOSTICS v_released = ROW_COUNT;
      IF v_released > 0 THEN
        UPDATE public.ticket_tiers
           SET sold_count = sold_count + v_delta
         WHERE id = v_tier
           AND sold_count + v_delta <= quantity;
      END IF;
      IF v_released = 0 OR NOT FOUND THEN
        RAISE EXCEPTION 'Not enough tickets left in this tier'
          USING ERRCODE = 'check_violation', HINT = 'Choose a smaller quantity or another tier.';
      END IF;
    END IF;
  ELSIF v_delta < 0 THEN
    UPDATE public.ticket_tiers SET sold_count = sold_count + v_delta WHERE id = v_tier;
  END IF;

  RETURN NULL;
END;
$$;

-- Existing live tickets count against their orders, before the new order triggers exist (a
-- paid order with more live tickets than its quantity cannot be represented: such rows must be
-- fixed by hand; the CHECK says which).
UPDATE public.orders AS o
   SET tickets_issued = t.n
  FROM (SELECT tk.order_id, count(*)::integer AS n FROM public.tickets AS tk
        WHERE tk.status IN ('valid', 'used') GROUP BY tk.order_id) AS t
 WHERE o.id = t.order_id AND o.tickets_issued <> t.n;

-- ---------------------------------------------------------------------------------------
-- Holds, caps and the state machine (BEFORE INSERT / UPDATE). SECURITY INVOKER, so that
-- is_api_caller() sees the requesting role; a buyer counts only the orders RLS shows them.
CREATE FUNCTION eventos_private.order_checkout_rules()
RETURNS trigger
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = ''
AS $$
DECLARE
  v_settings  record;
  v_orders    integer;
  v_units     integer;
  v_api       boolean := eventos_private.is_api_caller();
BEGIN
  SELECT * INTO v_settings FROM eventos_private.current_settings();

  -- unarchive_event() puts historical rows back as they were (V4008).
  IF TG_OP = 'INSERT' AND NOT v_api AND pg_catalog.current_setting('eventos.restoring', true) = 'on' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.tickets_issued <> 0 THEN
      RAISE EXCEPTION 'A new order has no tickets yet' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status = 'pending' THEN
      IF v_api OR NEW.expires_at IS NULL THEN
        NEW.expires_at := pg_catalog.now() + v_settings.pending_order_hold;
      END IF;
      IF NEW.customer_id IS NOT NULL THEN
        -- One buyer's concurrent checkouts of one tier queue here; other buyers do not.
        PERFORM pg_catalog.pg_advisory_xact_lock(
          pg_catalog.hashtextextended('orders:' || NEW.customer_id::text || ':' || NEW.tier_id::text, 0));
        SELECT count(*), coalesce(sum(o.quantity), 0) INTO v_orders, v_units
        FROM public.orders AS o
        WHERE o.customer_id = NEW.customer_id AND o.tier_id = NEW.tier_id AND o.status = 'pending'
          AND eventos_private.order_hold_ends(o) > pg_catalog.now();
        IF v_orders + 1 > v_settings.max_pending_orders_per_tier
           OR v_units + NEW.quantity > v_settings.max_pending_units_per_tier THEN
          RAISE EXCEPTION 'Too many unpaid orders for this ticket tier: at most % open orders and % tickets per buyer',
            v_settings.max_pending_orders_per_tier, v_settings.max_pending_units_per_tier
            USING ERRCODE = 'check_violation', HINT = 'Pay for or cancel an open order first.';
        END IF;
      END IF;
    END IF;
    RETURN NEW;
  END IF;

  -- UPDATE
  IF NEW.tickets_issued IS DISTINCT FROM OLD.tickets_issued AND v_api THEN
    RAISE EXCEPTION 'orders.tickets_issued is maintained by the database' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NOT ((OLD.status = 'pending' AND NEW.status IN ('paid', 'cancelled', 'expired', 'failed'))
            OR (OLD.status = 'paid' AND NEW.status = 'refunded')) THEN
      RAISE EXCEPTION 'An order cannot go from % to %', OLD.status, NEW.status
        USING ERRCODE = 'check_violation',
              HINT = 'pending → paid | cancelled | expired | failed; paid → refunded.';
    END IF;
    IF v_api AND NOT (OLD.status = 'pending' AND NEW.status = 'cancelled') THEN
      RAISE EXCEPTION 'Buyers may only cancel their pending orders' USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER trg_orders_checkout_rules
  BEFORE INSERT OR UPDATE ON public.orders
  FOR EACH ROW EXECUTE FUNCTION eventos_private.order_checkout_rules();

-- A refunded order's live tickets are refunded with it.
CREATE FUNCTION eventos_private.order_refund_tickets()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  UPDATE public.tickets SET status = 'refunded'
  WHERE order_id = NEW.id AND event_id = NEW.event_id AND status IN ('valid', 'used');
  RETURN NULL;
END;
$$;

CREATE TRIGGER trg_orders_refund_tickets
  AFTER UPDATE OF status ON public.orders
  FOR EACH ROW WHEN (OLD.status = 'paid' AND NEW.status = 'refunded')
  EXECUTE FUNCTION eventos_private.order_refund_tickets();

-- Releases every hold that has run out; returns how many orders expired (job eventos-expire-orders).
CREATE FUNCTION public.expire_pending_orders()
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_count integer;
BEGIN
  UPDATE public.orders AS o SET status = 'expired'
  WHERE o.status = 'pending' AND eventos_private.order_hold_ends(o) <= pg_catalog.now();
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END;
$$;
COMMENT ON FUNCTION public.expire_pending_orders() IS
  'Expires pending orders whose hold ran out, releasing their units (job eventos-expire-orders).';
REVOKE EXECUTE ON FUNCTION public.expire_pending_orders() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.expire_pending_orders() TO service_role;

-- ---------------------------------------------------------------------------------------
-- Tickets: a live ticket (valid/used) exists only for a paid order of the same tier and event,
-- at most `quantity` per order — counted by one conditional UPDATE of the order row, so
-- concurrent issuers serialise on it (READ COMMITTED re-checks, REPEATABLE READ gets 40001).
-- Since the paid order holds its units of the tier, live tickets never exceed the tier.
CREATE FUNCTION eventos_private.ticket_issuance_rules()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_was_live  boolean := TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('valid', 'used');
  v_is_live   boolean := TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('valid', 'used');
BEGIN
  IF TG_OP = 'UPDATE' AND (NEW.order_id, NEW.tier_id, NEW.event_id) IS DISTINCT FROM (OLD.order_id, OLD.tier_id, OLD.event_id) THEN
    RAISE EXCEPTION 'A ticket cannot move to another order, tier or event' USING ERRCODE = 'check_violation';
  END IF;
  IF v_is_live AND NOT v_was_live THEN
    UPDATE public.orders AS o
       SET tickets_issued = o.tickets_issued + 1
     WHERE o.id = NEW.order_id AND o.event_id = NEW.event_id AND o.tier_id = NEW.tier_id
       AND o.status = 'paid' AND o.tickets_issued < o.quantity;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'No ticket left to issue on this order'
        USING ERRCODE = 'check_violation',
              HINT = 'Tickets need a paid order of the same tier, at most its quantity.';
    END IF;
  ELSIF v_was_live AND NOT v_is_live THEN
    UPDATE public.orders AS o SET tickets_issued = o.tickets_issued - 1 WHERE o.id = OLD.order_id;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER trg_tickets_issuance
  BEFORE INSERT OR DELETE OR UPDATE OF status, order_id, tier_id, event_id ON public.tickets
  FOR EACH ROW EXECUTE FUNCTION eventos_private.ticket_issuance_rules();

-- ---------------------------------------------------------------------------------------
-- Buyers cancel their own pending orders (policy orders_cancel_own in V4006).
GRANT UPDATE (status) ON TABLE public.orders TO authenticated;

-- Sequences of schema public: the API roles hold nothing on them unless an INSERT they may run
-- needs the sequence as a column default (nextval; identity columns need no privilege). The
-- ACLs found here are kept so that rollback/phase4.sql restores them exactly.
CREATE TABLE eventos_private.sequence_acl_before_v2 (
  sequence_name  text PRIMARY KEY,
  acl            aclitem[]
);
REVOKE ALL ON TABLE eventos_private.sequence_acl_before_v2 FROM PUBLIC, anon, authenticated;
ALTER TABLE eventos_private.sequence_acl_before_v2 ENABLE ROW LEVEL SECURITY;

CREATE FUNCTION eventos_private.restrict_sequence_privileges()
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_seq    record;
  v_count  integer := 0;
BEGIN
  FOR v_seq IN
    SELECT c.oid, c.oid::regclass::text AS name, c.relacl
    FROM pg_catalog.pg_class AS c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S'
  LOOP
    INSERT INTO eventos_private.sequence_acl_before_v2 (sequence_name, acl)
    VALUES (v_seq.name, v_seq.relacl) ON CONFLICT (sequence_name) DO NOTHING;
    EXECUTE pg_catalog.format('REVOKE ALL ON SEQUENCE %s FROM anon, authenticated, service_role', v_seq.name);
    v_count := v_count + 1;
  END LOOP;
  -- USAGE back only where a column default of a table the role may INSERT into draws from it.
  FOR v_seq IN
    SELECT DISTINCT s.oid::regclass::text AS name, r.rolname
    FROM pg_catalog.pg_attrdef AS d
    JOIN pg_catalog.pg_depend AS dep
      ON dep.classid = 'pg_catalog.pg_attrdef'::regclass AND dep.objid = d.oid
     AND dep.refclassid = 'pg_catalog.pg_class'::regclass
    JOIN pg_catalog.pg_class AS s ON s.oid = dep.refobjid AND s.relkind = 'S'
    CROSS JOIN (VALUES ('anon'), ('authenticated'), ('service_role')) AS r(rolname)
    WHERE s.relnamespace = 'public'::regnamespace
      AND pg_catalog.has_table_privilege(r.rolname, d.adrelid, 'INSERT')
  LOOP
    EXECUTE pg_catalog.format('GRANT USAGE ON SEQUENCE %s TO %I', v_seq.name, v_seq.rolname);
  END LOOP;
  RETURN v_count;
END;
$$;
COMMENT ON FUNCTION eventos_private.restrict_sequence_privileges() IS
  'Revokes API-role privileges on every sequence of public, re-granting USAGE only where an INSERT default needs it.';
REVOKE ALL ON FUNCTION eventos_private.restrict_sequence_privileges() FROM PUBLIC, anon, authenticated;
SELECT eventos_private.restrict_sequence_privileges();

REVOKE ALL ON FUNCTION eventos_private.current_settings() FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION eventos_private.order_hold_ends(public.orders) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION eventos_private.current_settings() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION eventos_private.order_hold_ends(public.orders) TO authenticated, service_role;
REVOKE ALL ON FUNCTION eventos_private.order_checkout_rules() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION eventos_private.order_checkout_rules() TO authenticated, service_role;
REVOKE ALL ON FUNCTION eventos_private.order_refund_tickets() FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION eventos_private.ticket_issuance_rules() FROM PUBLIC, anon, authenticated;
