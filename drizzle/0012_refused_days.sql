CREATE TABLE "refused_days" (
	"member_id" bigint NOT NULL,
	"date" text NOT NULL,
	"reason" text NOT NULL,
	"file_name" text NOT NULL,
	"refused_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "refused_days_member_id_date_pk" PRIMARY KEY("member_id","date")
);
--> statement-breakpoint
ALTER TABLE "refused_days" ADD CONSTRAINT "refused_days_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;