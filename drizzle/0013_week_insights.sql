CREATE TABLE "week_insights" (
	"member_id" bigint NOT NULL,
	"week" text NOT NULL,
	"version" integer NOT NULL,
	"totals" jsonb NOT NULL,
	"visits" jsonb NOT NULL,
	"cells" jsonb NOT NULL,
	CONSTRAINT "week_insights_member_id_week_pk" PRIMARY KEY("member_id","week")
);
--> statement-breakpoint
ALTER TABLE "week_insights" ADD CONSTRAINT "week_insights_member_id_week_stored_weeks_member_id_week_fk" FOREIGN KEY ("member_id","week") REFERENCES "public"."stored_weeks"("member_id","week") ON DELETE cascade ON UPDATE no action;