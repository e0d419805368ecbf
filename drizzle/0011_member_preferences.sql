CREATE TABLE "member_preferences" (
	"member_id" bigint PRIMARY KEY NOT NULL,
	"units" text,
	"week_start" integer,
	"clock" text,
	"moves_localization" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "member_preferences" ADD CONSTRAINT "member_preferences_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;