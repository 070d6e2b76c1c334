-- Phase 0 · core platform tables (ERD "Core Tables").
-- Conventions (docs/schema.md): uuid PKs, timestamptz, money numeric(12,2) in the
-- event's currency, enumerations as text + named CHECK, every FK column indexed,
-- RLS enabled on every table (policies in V0005).

-- USERS of the ERD: one profile per Supabase auth user.
CREATE TABLE public.profiles (
  id          uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  email       text NOT NULL,
  full_name   text,
  role        text NOT NULL DEFAULT 'attendee',
  metadata    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT profiles_role_check CHECK (role IN ('attendee', 'organizer', 'sponsor', 'admin')),
  CONSTRAINT profiles_email_check CHECK (position('@' IN email) > 1)
);
CREATE UNIQUE INDEX profiles_email_lower_key ON public.profiles (lower(email));
CREATE INDEX idx_profiles_role ON public.profiles (role);

CREATE TABLE public.venues (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id    uuid REFERENCES auth.users (id) ON DELETE SET NULL DEFAULT auth.uid(),
  name        text NOT NULL,
  address     text,
  location    point,
  capacity    integer,
  amenities   jsonb NOT NULL DEFAULT '{}'::jsonb,
  status      text NOT NULL DEFAULT 'active',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT venues_name_check CHECK (btrim(name) <> ''),
  CONSTRAINT venues_capacity_check CHECK (capacity IS NULL OR capacity > 0),
  CONSTRAINT venues_status_check CHECK (status IN ('active', 'inactive'))
);
CREATE INDEX idx_venues_owner_id ON public.venues (owner_id);
CREATE INDEX idx_venues_amenities ON public.venues USING gin (amenities jsonb_path_ops);

CREATE TABLE public.events (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organizer_id  uuid NOT NULL REFERENCES auth.users (id) ON DELETE RESTRICT DEFAULT auth.uid(),
  name          text NOT NULL,
  slug          text NOT NULL,
  description   text,
  start_at      timestamptz NOT NULL,
  end_at        timestamptz NOT NULL,
  venue_id      uuid REFERENCES public.venues (id) ON DELETE SET NULL,
  status        text NOT NULL DEFAULT 'draft',
  visibility    text NOT NULL DEFAULT 'public',
  capacity      integer,
  currency      char(3) NOT NULL DEFAULT 'USD',
  settings      jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT events_slug_key UNIQUE (slug),
  CONSTRAINT events_name_check CHECK (btrim(name) <> ''),
  CONSTRAINT events_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  CONSTRAINT events_dates_check CHECK (end_at > start_at),
  CONSTRAINT events_status_check CHECK (status IN ('draft', 'published', 'cancelled', 'completed')),
  CONSTRAINT events_visibility_check CHECK (visibility IN ('public', 'unlisted', 'private')),
  CONSTRAINT events_capacity_check CHECK (capacity IS NULL OR capacity > 0),
  CONSTRAINT events_currency_check CHECK (currency ~ '^[A-Z]{3}$')
);
CREATE INDEX idx_events_organizer_id ON public.events (organizer_id);
CREATE INDEX idx_events_venue_id ON public.events (venue_id);
CREATE INDEX idx_events_status_visibility_start ON public.events (status, visibility, start_at);
CREATE INDEX idx_events_settings ON public.events USING gin (settings jsonb_path_ops);

CREATE TABLE public.event_sessions (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id     uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  title        text NOT NULL,
  description  text,
  start_time   timestamptz NOT NULL,
  end_time     timestamptz NOT NULL,
  location     text,
  capacity     integer,
  speakers     jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT event_sessions_title_check CHECK (btrim(title) <> ''),
  CONSTRAINT event_sessions_times_check CHECK (end_time > start_time),
  CONSTRAINT event_sessions_capacity_check CHECK (capacity IS NULL OR capacity > 0),
  CONSTRAINT event_sessions_speakers_check CHECK (jsonb_typeof(speakers) = 'array')
);
CREATE INDEX idx_event_sessions_event_id ON public.event_sessions (event_id, start_time);
CREATE INDEX idx_event_sessions_speakers ON public.event_sessions USING gin (speakers jsonb_path_ops);

CREATE TABLE public.ticket_tiers (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id     uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  name         text NOT NULL,
  description  text,
  price        numeric(12, 2) NOT NULL DEFAULT 0,
  quantity     integer NOT NULL,
  sold_count   integer NOT NULL DEFAULT 0,
  benefits     jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ticket_tiers_event_name_key UNIQUE (event_id, name),
  -- target of composite FKs that keep orders/tickets on the tier's own event
  CONSTRAINT ticket_tiers_id_event_key UNIQUE (id, event_id),
  CONSTRAINT ticket_tiers_price_check CHECK (price >= 0),
  CONSTRAINT ticket_tiers_quantity_check CHECK (quantity > 0),
  CONSTRAINT ticket_tiers_sold_count_check CHECK (sold_count >= 0 AND sold_count <= quantity)
);
CREATE INDEX idx_ticket_tiers_event_id ON public.ticket_tiers (event_id);

CREATE TABLE public.orders (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_number  text NOT NULL DEFAULT public.generate_order_number(),
  event_id      uuid NOT NULL REFERENCES public.events (id) ON DELETE RESTRICT,
  customer_id   uuid REFERENCES auth.users (id) ON DELETE SET NULL DEFAULT auth.uid(),
  tier_id       uuid NOT NULL,
  quantity      integer NOT NULL DEFAULT 1,
  unit_price    numeric(12, 2) NOT NULL,   -- filled from the tier by validate_order_totals()
  total_amount  numeric(12, 2) NOT NULL,   -- filled as quantity × unit_price when omitted
  status        text NOT NULL DEFAULT 'pending',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT orders_order_number_key UNIQUE (order_number),
  CONSTRAINT orders_id_event_key UNIQUE (id, event_id),
  CONSTRAINT orders_tier_fkey FOREIGN KEY (tier_id, event_id)
    REFERENCES public.ticket_tiers (id, event_id) ON DELETE RESTRICT,
  CONSTRAINT orders_quantity_check CHECK (quantity BETWEEN 1 AND 20),
  CONSTRAINT orders_unit_price_check CHECK (unit_price >= 0),
  CONSTRAINT orders_total_amount_check CHECK (total_amount >= 0),
  CONSTRAINT orders_total_matches_check CHECK (total_amount = quantity * unit_price),
  CONSTRAINT orders_status_check CHECK (status IN ('pending', 'paid', 'cancelled', 'refunded', 'failed'))
);
CREATE INDEX idx_orders_event_id ON public.orders (event_id);
CREATE INDEX idx_orders_customer_id ON public.orders (customer_id);
-- (tier_id, event_id) covers the composite FK orders_tier_fkey, and lookups by tier alone.
CREATE INDEX idx_orders_tier_id_event_id ON public.orders (tier_id, event_id);

CREATE TABLE public.payments (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id             uuid NOT NULL REFERENCES public.orders (id) ON DELETE RESTRICT,
  amount               numeric(12, 2) NOT NULL,
  status               text NOT NULL DEFAULT 'pending',
  payment_method       text,
  provider_payment_id  text,
  metadata             jsonb NOT NULL DEFAULT '{}'::jsonb,
  paid_at              timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  -- ERD: ORDERS ||--|| PAYMENTS
  CONSTRAINT payments_order_id_key UNIQUE (order_id),
  CONSTRAINT payments_provider_payment_id_key UNIQUE (provider_payment_id),
  CONSTRAINT payments_amount_check CHECK (amount >= 0),
  CONSTRAINT payments_status_check CHECK (status IN ('pending', 'succeeded', 'failed', 'refunded', 'cancelled')),
  CONSTRAINT payments_paid_at_check CHECK (status NOT IN ('succeeded', 'refunded') OR paid_at IS NOT NULL)
);
-- payments.order_id is indexed by payments_order_id_key.

CREATE TABLE public.attendees (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id      uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  user_id       uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  email         text NOT NULL,
  full_name     text NOT NULL,
  status        text NOT NULL DEFAULT 'registered',
  profile_data  jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT attendees_id_event_key UNIQUE (id, event_id),
  CONSTRAINT attendees_email_check CHECK (position('@' IN email) > 1),
  CONSTRAINT attendees_status_check CHECK (status IN ('registered', 'confirmed', 'checked_in', 'cancelled', 'no_show'))
);
CREATE UNIQUE INDEX attendees_event_email_key ON public.attendees (event_id, lower(email));
CREATE INDEX idx_attendees_event_id ON public.attendees (event_id);
CREATE INDEX idx_attendees_user_id ON public.attendees (user_id);
CREATE INDEX idx_attendees_profile_data ON public.attendees USING gin (profile_data jsonb_path_ops);

CREATE TABLE public.tickets (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id       uuid NOT NULL,
  event_id       uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  attendee_id    uuid,
  tier_id        uuid NOT NULL,
  ticket_number  text NOT NULL DEFAULT public.generate_ticket_number(),
  status         text NOT NULL DEFAULT 'valid',
  checked_in_at  timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tickets_ticket_number_key UNIQUE (ticket_number),
  CONSTRAINT tickets_order_fkey FOREIGN KEY (order_id, event_id)
    REFERENCES public.orders (id, event_id) ON DELETE RESTRICT,
  CONSTRAINT tickets_tier_fkey FOREIGN KEY (tier_id, event_id)
    REFERENCES public.ticket_tiers (id, event_id) ON DELETE RESTRICT,
  CONSTRAINT tickets_attendee_fkey FOREIGN KEY (attendee_id, event_id)
    REFERENCES public.attendees (id, event_id) ON DELETE SET NULL (attendee_id),
  CONSTRAINT tickets_status_check CHECK (status IN ('valid', 'used', 'cancelled', 'refunded', 'transferred')),
  CONSTRAINT tickets_checked_in_check CHECK (checked_in_at IS NULL OR status IN ('valid', 'used'))
);
-- Each composite FK (<x>_id, event_id) is covered by an index on exactly its columns,
-- which also serves lookups by <x>_id alone.
CREATE INDEX idx_tickets_order_id_event_id ON public.tickets (order_id, event_id);
CREATE INDEX idx_tickets_event_id ON public.tickets (event_id);
CREATE INDEX idx_tickets_attendee_id_event_id ON public.tickets (attendee_id, event_id);
CREATE INDEX idx_tickets_tier_id_event_id ON public.tickets (tier_id, event_id);

-- updated_at maintenance
CREATE TRIGGER trg_profiles_updated_at BEFORE UPDATE ON public.profiles
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_venues_updated_at BEFORE UPDATE ON public.venues
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_events_updated_at BEFORE UPDATE ON public.events
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_event_sessions_updated_at BEFORE UPDATE ON public.event_sessions
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_ticket_tiers_updated_at BEFORE UPDATE ON public.ticket_tiers
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_orders_updated_at BEFORE UPDATE ON public.orders
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_payments_updated_at BEFORE UPDATE ON public.payments
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_attendees_updated_at BEFORE UPDATE ON public.attendees
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_tickets_updated_at BEFORE UPDATE ON public.tickets
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

ALTER TABLE public.profiles       ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.venues         ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.events         ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.event_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.ticket_tiers   ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.orders         ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.payments       ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.attendees      ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tickets        ENABLE ROW LEVEL SECURITY;
