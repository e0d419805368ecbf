CREATE TABLE "moves_notifications_seen" (
	"signature" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pending_uploads" (
	"oh_file_id" bigint PRIMARY KEY NOT NULL,
	"member_id" bigint NOT NULL,
	"put_url" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "members" ADD COLUMN "session_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "pending_uploads" ADD CONSTRAINT "pending_uploads_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "moves_notifications_seen_expires" ON "moves_notifications_seen" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "pending_uploads_member" ON "pending_uploads" USING btree ("member_id");