-- Phase 4 · the admin role. Admins (profiles.role = 'admin') read the audit log, analytics
-- and monitoring and manage roles through these RPCs, each of which checks the role first;
-- the tables and views themselves stay closed to the API roles. Nobody changes their own role:
-- profiles.role is not writable by anon/authenticated (column privileges, phase 0), and
-- admin_set_role() refuses the caller's own row.

CREATE FUNCTION eventos_private.require_admin()
RETURNS void
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  IF NOT eventos_private.is_admin() THEN
    RAISE EXCEPTION 'This function is for admins' USING ERRCODE = 'insufficient_privilege';
  END IF;
END;
$$;

CREATE FUNCTION public.admin_set_role(p_user_id uuid, p_role text)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  PERFORM eventos_private.require_admin();
  IF p_user_id IS NOT DISTINCT FROM (SELECT auth.uid()) THEN
    RAISE EXCEPTION 'Admins cannot change their own role' USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE public.profiles SET role = p_role WHERE id = p_user_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No profile for that user' USING ERRCODE = 'no_data_found';
  END IF;
END;
$$;
COMMENT ON FUNCTION public.admin_set_role(uuid, text) IS 'RPC (admins): set another user''s profiles.role.';

CREATE FUNCTION public.admin_audit_log(p_since timestamptz DEFAULT now() - interval '7 days', p_limit integer DEFAULT 1000)
RETURNS SETOF public.audit_log
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  PERFORM eventos_private.require_admin();
  RETURN QUERY
    SELECT l.* FROM public.audit_log AS l
    WHERE l.changed_at >= p_since
    ORDER BY l.id DESC
    LIMIT least(greatest(coalesce(p_limit, 1000), 1), 10000);
END;
$$;
COMMENT ON FUNCTION public.admin_audit_log(timestamptz, integer) IS 'RPC (admins): audit_log rows since p_since, newest first (at most 10,000).';

CREATE FUNCTION public.admin_audit_log_integrity()
RETURNS TABLE (log_id bigint, problem text)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  PERFORM eventos_private.require_admin();
  RETURN QUERY SELECT v.log_id, v.problem FROM public.verify_audit_log_integrity() AS v;
END;
$$;
COMMENT ON FUNCTION public.admin_audit_log_integrity() IS 'RPC (admins): verify_audit_log_integrity().';

CREATE FUNCTION public.admin_event_analytics()
RETURNS SETOF public.event_analytics_cache
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  PERFORM eventos_private.require_admin();
  RETURN QUERY SELECT c.* FROM public.event_analytics_cache AS c ORDER BY c.start_at DESC;
END;
$$;
COMMENT ON FUNCTION public.admin_event_analytics() IS 'RPC (admins): the analytics cache of every event.';

CREATE FUNCTION public.admin_table_statistics()
RETURNS SETOF public.table_statistics
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  PERFORM eventos_private.require_admin();
  RETURN QUERY SELECT s.* FROM public.table_statistics AS s ORDER BY s.total_bytes DESC;
END;
$$;

CREATE FUNCTION public.admin_index_usage()
RETURNS SETOF public.index_usage_statistics
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  PERFORM eventos_private.require_admin();
  RETURN QUERY SELECT s.* FROM public.index_usage_statistics AS s ORDER BY s.schemaname, s.relname, s.indexrelname;
END;
$$;

CREATE FUNCTION public.admin_rls_coverage()
RETURNS SETOF public.rls_coverage
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  PERFORM eventos_private.require_admin();
  RETURN QUERY SELECT r.* FROM public.rls_coverage AS r ORDER BY r.relname;
END;
$$;

REVOKE ALL ON FUNCTION eventos_private.require_admin() FROM PUBLIC, anon, authenticated;
REVOKE EXECUTE ON FUNCTION public.admin_set_role(uuid, text) FROM PUBLIC, anon;
REVOKE EXECUTE ON FUNCTION public.admin_audit_log(timestamptz, integer) FROM PUBLIC, anon;
REVOKE EXECUTE ON FUNCTION public.admin_audit_log_integrity() FROM PUBLIC, anon;
REVOKE EXECUTE ON FUNCTION public.admin_event_analytics() FROM PUBLIC, anon;
REVOKE EXECUTE ON FUNCTION public.admin_table_statistics() FROM PUBLIC, anon;
REVOKE EXECUTE ON FUNCTION public.admin_index_usage() FROM PUBLIC, anon;
REVOKE EXECUTE ON FUNCTION public.admin_rls_coverage() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.admin_set_role(uuid, text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.admin_audit_log(timestamptz, integer) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.admin_audit_log_integrity() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.admin_event_analytics() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.admin_table_statistics() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.admin_index_usage() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.admin_rls_coverage() TO authenticated, service_role;
