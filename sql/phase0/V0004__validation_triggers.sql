-- Phase 0 · business-rule triggers (seed 001_ §1.2, rewritten).
-- Functions that must see rows hidden from the caller by RLS are SECURITY DEFINER with
-- an empty search_path and fully qualified names; none of them is callable directly
-- (trigger functions), and EXECUTE is revoked from PUBLIC/anon/authenticated anyway.

-- Events: end after start always; start not in the past on INSERT only (an UPDATE may
-- legitimately touch an event that has already started or finished).
CREATE FUNCTION public.validate_event_dates()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF NEW.end_at <= NEW.start_at THEN
    RAISE EXCEPTION 'Event end date (%) must be after start date (%)', NEW.end_at, NEW.start_at
      USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'INSERT' AND NEW.start_at < pg_catalog.now() THEN
    RAISE EXCEPTION 'New event start date (%) cannot be in the past', NEW.start_at
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER trg_events_validate_dates
  BEFORE INSERT OR UPDATE OF start_at, end_at ON public.events
  FOR EACH ROW EXECUTE FUNCTION public.validate_event_dates();

-- Events: derive a unique slug from the name when none is given.
CREATE FUNCTION public.set_event_slug()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF NEW.slug IS NULL OR NEW.slug = '' THEN
    NEW.slug := pg_catalog.rtrim(pg_catalog.left(coalesce(nullif(public.slugify(NEW.name), ''), 'event'), 60), '-')
                || '-' || pg_catalog.substr(pg_catalog.md5(pg_catalog.gen_random_uuid()::text), 1, 8);
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER trg_events_set_slug
  BEFORE INSERT ON public.events
  FOR EACH ROW EXECUTE FUNCTION public.set_event_slug();

-- Orders: quantity 1–20, unit price = the tier's price (discounts are modelled as their
-- own tier), total = quantity × unit price. Omitted unit_price / total_amount are filled.
CREATE FUNCTION public.validate_order_totals()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_price numeric(12, 2);
BEGIN
  IF NEW.quantity IS NULL OR NEW.quantity < 1 OR NEW.quantity > 20 THEN
    RAISE EXCEPTION 'Order quantity must be between 1 and 20 (got %)', NEW.quantity
      USING ERRCODE = 'check_violation';
  END IF;

  IF TG_OP = 'INSERT' OR NEW.tier_id IS DISTINCT FROM OLD.tier_id THEN
    SELECT t.price INTO v_price
    FROM public.ticket_tiers AS t
    WHERE t.id = NEW.tier_id AND t.event_id = NEW.event_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'Ticket tier % does not belong to event %', NEW.tier_id, NEW.event_id
        USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NEW.unit_price IS NULL THEN
      NEW.unit_price := v_price;
    ELSIF NEW.unit_price <> v_price THEN
      RAISE EXCEPTION 'Order unit price (%) does not match the ticket tier price (%)', NEW.unit_price, v_price
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;

  IF NEW.unit_price IS NULL THEN
    RAISE EXCEPTION 'Order unit price is required' USING ERRCODE = 'not_null_violation';
  END IF;
  IF NEW.total_amount IS NULL THEN
    NEW.total_amount := NEW.quantity * NEW.unit_price;
  ELSIF NEW.total_amount <> NEW.quantity * NEW.unit_price THEN
    RAISE EXCEPTION 'Order total (%) must equal quantity (%) × unit price (%)',
      NEW.total_amount, NEW.quantity, NEW.unit_price
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER trg_orders_validate_totals
  BEFORE INSERT OR UPDATE OF quantity, unit_price, total_amount, tier_id, event_id ON public.orders
  FOR EACH ROW EXECUTE FUNCTION public.validate_order_totals();

-- Ticket-tier inventory, enforced atomically. An order holds inventory while its status is
-- 'pending' or 'paid'; ticket_tiers.sold_count counts held units. The reservation is ONE
-- conditional UPDATE: the row lock serialises concurrent buyers, and the WHERE clause is
-- re-evaluated on the newest row version after a wait (READ COMMITTED) — so of two buyers
-- of the last ticket exactly one gets a row back; the other raises. Under REPEATABLE READ
-- the loser gets a serialization failure instead. The CHECK sold_count <= quantity backs it.
CREATE FUNCTION public.reserve_ticket_inventory()
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
  v_left      integer;
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
      SELECT t.quantity - t.sold_count INTO v_left FROM public.ticket_tiers AS t WHERE t.id = v_tier;
      RAISE EXCEPTION 'Ticket tier % is sold out: % requested, % available', v_tier, v_delta, coalesce(v_left, 0)
        USING ERRCODE = 'check_violation', HINT = 'Choose a smaller quantity or another tier.';
    END IF;
  ELSIF v_delta < 0 THEN
    UPDATE public.ticket_tiers SET sold_count = sold_count + v_delta WHERE id = v_tier;
  END IF;

  RETURN NULL;
END;
$$;

CREATE TRIGGER trg_orders_reserve_inventory
  AFTER INSERT OR DELETE OR UPDATE OF status, quantity, tier_id ON public.orders
  FOR EACH ROW EXECUTE FUNCTION public.reserve_ticket_inventory();

-- Venue bookings: no two confirmed bookings of one venue may overlap. Serialised per venue
-- with a transaction-scoped advisory lock (an exclusion constraint would need btree_gist,
-- which phase 0 does not require).
CREATE FUNCTION public.prevent_venue_double_booking()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_other record;
BEGIN
  IF NEW.status <> 'confirmed' THEN
    RETURN NEW;
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('venue_bookings:' || NEW.venue_id::text, 0));
  SELECT b.id, b.start_time, b.end_time INTO v_other
  FROM public.venue_bookings AS b
  WHERE b.venue_id = NEW.venue_id
    AND b.status = 'confirmed'
    AND b.id <> NEW.id
    AND b.start_time < NEW.end_time
    AND NEW.start_time < b.end_time
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'Venue % is already booked from % to %', NEW.venue_id, v_other.start_time, v_other.end_time
      USING ERRCODE = 'exclusion_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER trg_venue_bookings_no_overlap
  BEFORE INSERT OR UPDATE OF venue_id, start_time, end_time, status ON public.venue_bookings
  FOR EACH ROW EXECUTE FUNCTION public.prevent_venue_double_booking();

REVOKE EXECUTE ON FUNCTION public.validate_order_totals() FROM PUBLIC, anon, authenticated;
REVOKE EXECUTE ON FUNCTION public.reserve_ticket_inventory() FROM PUBLIC, anon, authenticated;
REVOKE EXECUTE ON FUNCTION public.prevent_venue_double_booking() FROM PUBLIC, anon, authenticated;
