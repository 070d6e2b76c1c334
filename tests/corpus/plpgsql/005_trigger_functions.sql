-- Trigger and event-trigger functions: NEW/OLD fields, TG_* variables.
CREATE FUNCTION billing.stamp_issue() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status = 'sent' AND OLD.status = 'draft' THEN
    NEW.issued_at := now();
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER invoice_stamp_issue
  BEFORE UPDATE ON billing.invoice
  FOR EACH ROW EXECUTE FUNCTION billing.stamp_issue();

CREATE FUNCTION billing.log_ddl() RETURNS event_trigger
LANGUAGE plpgsql
AS $$
BEGIN
  RAISE NOTICE 'ddl: % %', tg_event, tg_tag;
END
$$;
