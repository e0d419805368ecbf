ALTER TABLE "sync_state" ADD COLUMN "deep_scan_cursor" text;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "deep_scan_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "deep_scan_cycle_started_at" timestamp with time zone;