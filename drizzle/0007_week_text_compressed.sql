ALTER TABLE "stored_weeks" ALTER COLUMN "days_json" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "stored_weeks" ADD COLUMN "days_gz" "bytea";--> statement-breakpoint
ALTER TABLE "stored_weeks" ADD COLUMN "day_steps" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "stored_weeks" ADD CONSTRAINT "stored_weeks_days_present" CHECK ("stored_weeks"."days_gz" is not null or "stored_weeks"."days_json" is not null);--> statement-breakpoint
-- The app compresses the week's text itself (gzip, off its event loop); the database must not do it again.
ALTER TABLE "stored_weeks" ALTER COLUMN "days_gz" SET STORAGE EXTERNAL;--> statement-breakpoint
-- Text that is not JSON (never stored by the app, which validates every week) counts as no days, as the
-- calendar's query did.
CREATE FUNCTION pg_temp.jsonb_or_null(t text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN t::jsonb;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$$;--> statement-breakpoint
-- Rows stored before this migration: their days' step totals, summed as the calendar's query summed them.
UPDATE "stored_weeks" AS w SET "day_steps" = coalesce((
  SELECT jsonb_agg(jsonb_build_array(
    d->>'date',
    coalesce((
      SELECT sum(CASE WHEN jsonb_typeof(s->'steps') = 'number' THEN (s->>'steps')::numeric ELSE 0 END)
      FROM jsonb_array_elements(CASE WHEN jsonb_typeof(d->'summary') = 'array' THEN d->'summary' ELSE '[]'::jsonb END) s
    ), 0)::bigint,
    coalesce((jsonb_typeof(d->'segments') = 'array' AND jsonb_array_length(d->'segments') > 0), false)
      OR coalesce((jsonb_typeof(d->'summary') = 'array' AND jsonb_array_length(d->'summary') > 0), false)
  ) ORDER BY e.ord)
  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(pg_temp.jsonb_or_null(w."days_json")) = 'array'
    THEN pg_temp.jsonb_or_null(w."days_json") ELSE '[]'::jsonb END) WITH ORDINALITY AS e(d, ord)
  WHERE jsonb_typeof(e.d) = 'object' AND e.d->>'date' ~ '^\d{8}$'
), '[]'::jsonb)
WHERE w."days_json" IS NOT NULL;
