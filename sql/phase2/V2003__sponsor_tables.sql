-- Phase 2 · sponsor management. Money: numeric(12,2) in the event's currency.
-- sponsors.user_id is the sponsor's own portal account (sponsor-only data such as lead
-- scores); sponsors.created_by is the organizer who added the company.

CREATE TABLE public.sponsors (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_by    uuid REFERENCES auth.users (id) ON DELETE SET NULL DEFAULT auth.uid(),
  user_id       uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  company_name  text NOT NULL,
  industry      text,
  products      text[] NOT NULL DEFAULT '{}',
  goals         text[] NOT NULL DEFAULT '{}',
  budget_tier   text,
  contact_info  jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sponsors_company_name_check CHECK (btrim(company_name) <> ''),
  CONSTRAINT sponsors_budget_tier_check CHECK (budget_tier IS NULL OR budget_tier IN
    ('bronze', 'silver', 'gold', 'platinum', 'title'))
);
CREATE INDEX idx_sponsors_created_by ON public.sponsors (created_by);
CREATE INDEX idx_sponsors_user_id ON public.sponsors (user_id);

CREATE TABLE public.sponsor_proposals (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sponsor_id       uuid NOT NULL REFERENCES public.sponsors (id) ON DELETE CASCADE,
  event_id         uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  package_details  jsonb NOT NULL DEFAULT '{}'::jsonb,
  pricing          numeric(12, 2) NOT NULL DEFAULT 0,
  status           text NOT NULL DEFAULT 'draft',
  sent_at          timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sponsor_proposals_pricing_check CHECK (pricing >= 0),
  CONSTRAINT sponsor_proposals_status_check CHECK (status IN
    ('draft', 'sent', 'viewed', 'negotiating', 'accepted', 'rejected', 'expired')),
  CONSTRAINT sponsor_proposals_sent_check CHECK (status = 'draft' OR sent_at IS NOT NULL)
);
CREATE INDEX idx_sponsor_proposals_sponsor_id ON public.sponsor_proposals (sponsor_id);
CREATE INDEX idx_sponsor_proposals_event_id ON public.sponsor_proposals (event_id, status);

-- HIGH sensitivity (ERD): sponsor-only access, attendee anonymized. API roles get SELECT
-- on every column except attendee_id (column privileges in V2004).
CREATE TABLE public.sponsor_lead_scores (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  attendee_id      uuid NOT NULL REFERENCES public.attendees (id) ON DELETE CASCADE,
  sponsor_id       uuid NOT NULL REFERENCES public.sponsors (id) ON DELETE CASCADE,
  score            numeric(4, 3) NOT NULL,
  scoring_factors  jsonb NOT NULL DEFAULT '{}'::jsonb,
  temperature      text NOT NULL DEFAULT 'cold',
  calculated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sponsor_lead_scores_pair_key UNIQUE (sponsor_id, attendee_id),
  CONSTRAINT sponsor_lead_scores_score_check CHECK (score BETWEEN 0 AND 1),
  CONSTRAINT sponsor_lead_scores_temperature_check CHECK (temperature IN ('cold', 'warm', 'hot'))
);
-- sponsor_id is indexed by sponsor_lead_scores_pair_key.
CREATE INDEX idx_sponsor_lead_scores_attendee_id ON public.sponsor_lead_scores (attendee_id);

CREATE TABLE public.follow_up_sequences (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sponsor_id         uuid NOT NULL REFERENCES public.sponsors (id) ON DELETE CASCADE,
  trigger_condition  text NOT NULL,
  messages_array     jsonb NOT NULL DEFAULT '[]'::jsonb,
  status             text NOT NULL DEFAULT 'draft',
  active_leads       integer NOT NULL DEFAULT 0,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT follow_up_sequences_messages_check CHECK (jsonb_typeof(messages_array) = 'array'),
  CONSTRAINT follow_up_sequences_status_check CHECK (status IN ('draft', 'active', 'paused', 'completed')),
  CONSTRAINT follow_up_sequences_active_leads_check CHECK (active_leads >= 0)
);
CREATE INDEX idx_follow_up_sequences_sponsor_id ON public.follow_up_sequences (sponsor_id);

-- Signed deals are financial records: ON DELETE RESTRICT from sponsors and events.
CREATE TABLE public.sponsorships (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sponsor_id    uuid NOT NULL REFERENCES public.sponsors (id) ON DELETE RESTRICT,
  event_id      uuid NOT NULL REFERENCES public.events (id) ON DELETE RESTRICT,
  package_type  text NOT NULL,
  amount        numeric(12, 2) NOT NULL DEFAULT 0,
  deliverables  jsonb NOT NULL DEFAULT '[]'::jsonb,
  signed_at     timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sponsorships_package_type_check CHECK (package_type IN
    ('title', 'platinum', 'gold', 'silver', 'bronze', 'media', 'in_kind', 'custom')),
  CONSTRAINT sponsorships_amount_check CHECK (amount >= 0)
);
CREATE INDEX idx_sponsorships_sponsor_id ON public.sponsorships (sponsor_id);
CREATE INDEX idx_sponsorships_event_id ON public.sponsorships (event_id);

CREATE TABLE public.sponsor_deliverables (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sponsorship_id  uuid NOT NULL REFERENCES public.sponsorships (id) ON DELETE CASCADE,
  type            text NOT NULL,
  due_date        timestamptz,
  status          text NOT NULL DEFAULT 'pending',
  proof_url       text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sponsor_deliverables_type_check CHECK (type IN
    ('logo_placement', 'booth', 'speaking_slot', 'email_mention', 'social_post', 'banner',
     'swag', 'lead_list', 'report', 'other')),
  CONSTRAINT sponsor_deliverables_status_check CHECK (status IN
    ('pending', 'in_progress', 'delivered', 'approved', 'cancelled')),
  CONSTRAINT sponsor_deliverables_proof_url_check CHECK (proof_url IS NULL OR proof_url ~ '^https?://'),
  CONSTRAINT sponsor_deliverables_delivered_check CHECK (status NOT IN ('delivered', 'approved') OR proof_url IS NOT NULL)
);
CREATE INDEX idx_sponsor_deliverables_sponsorship_id ON public.sponsor_deliverables (sponsorship_id, due_date);

CREATE TRIGGER trg_sponsors_updated_at BEFORE UPDATE ON public.sponsors
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_sponsor_proposals_updated_at BEFORE UPDATE ON public.sponsor_proposals
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_follow_up_sequences_updated_at BEFORE UPDATE ON public.follow_up_sequences
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_sponsorships_updated_at BEFORE UPDATE ON public.sponsorships
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_sponsor_deliverables_updated_at BEFORE UPDATE ON public.sponsor_deliverables
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
-- Sponsorship deals are financial: audited like orders and payments.
CREATE TRIGGER trg_sponsorships_audit AFTER INSERT OR UPDATE OR DELETE ON public.sponsorships
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();

ALTER TABLE public.sponsors             ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sponsor_proposals    ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sponsor_lead_scores  ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.follow_up_sequences  ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sponsorships         ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sponsor_deliverables ENABLE ROW LEVEL SECURITY;
