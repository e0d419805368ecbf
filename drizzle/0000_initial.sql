CREATE TABLE "members" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"oh_member_id" text NOT NULL,
	"oh_username" text,
	"oh_access_token" text NOT NULL,
	"oh_refresh_token" text NOT NULL,
	"oh_token_expires_at" timestamp with time zone NOT NULL,
	"oh_needs_reauth" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_login_at" timestamp with time zone,
	CONSTRAINT "members_oh_member_id_unique" UNIQUE("oh_member_id")
);
--> statement-breakpoint
CREATE TABLE "moves_accounts" (
	"member_id" bigint PRIMARY KEY NOT NULL,
	"moves_user_id" text NOT NULL,
	"access_token" text NOT NULL,
	"refresh_token" text NOT NULL,
	"token_expires_at" timestamp with time zone NOT NULL,
	"token_issued_at" timestamp with time zone NOT NULL,
	"scope" text DEFAULT 'activity location' NOT NULL,
	"status" text DEFAULT 'connected' NOT NULL,
	"first_date" text,
	"time_zone" text,
	"connected_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "moves_accounts_moves_user_id_unique" UNIQUE("moves_user_id")
);
--> statement-breakpoint
CREATE TABLE "published_files" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"member_id" bigint NOT NULL,
	"oh_file_id" bigint NOT NULL,
	"basename" text NOT NULL,
	"size" bigint NOT NULL,
	"md5" text NOT NULL,
	"first_day" text,
	"last_day" text,
	"day_count" integer DEFAULT 0 NOT NULL,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text DEFAULT 'current' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stored_weeks" (
	"member_id" bigint NOT NULL,
	"week" text NOT NULL,
	"days_json" text NOT NULL,
	"day_count" integer NOT NULL,
	"first_day" text,
	"last_day" text,
	"bytes" integer NOT NULL,
	"complete" boolean NOT NULL,
	"source" text DEFAULT 'moves' NOT NULL,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stored_weeks_member_id_week_pk" PRIMARY KEY("member_id","week")
);
--> statement-breakpoint
CREATE TABLE "sync_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"member_id" bigint NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"kind" text NOT NULL,
	"message" text NOT NULL,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "sync_state" (
	"member_id" bigint PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'idle' NOT NULL,
	"weeks_done" integer DEFAULT 0 NOT NULL,
	"weeks_total" integer DEFAULT 0 NOT NULL,
	"next_run_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"last_sync_started_at" timestamp with time zone,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"last_manual_request_at" timestamp with time zone,
	"unpublished_weeks" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "moves_accounts" ADD CONSTRAINT "moves_accounts_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "published_files" ADD CONSTRAINT "published_files_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stored_weeks" ADD CONSTRAINT "stored_weeks_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_events" ADD CONSTRAINT "sync_events_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_state" ADD CONSTRAINT "sync_state_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "published_files_oh_file_id" ON "published_files" USING btree ("oh_file_id");--> statement-breakpoint
CREATE INDEX "published_files_member" ON "published_files" USING btree ("member_id");--> statement-breakpoint
CREATE UNIQUE INDEX "published_files_one_current" ON "published_files" USING btree ("member_id") WHERE status = 'current';--> statement-breakpoint
CREATE INDEX "sync_events_member_at" ON "sync_events" USING btree ("member_id","at");