CREATE TABLE "rate_budget" (
	"bucket" text NOT NULL,
	"window_start" bigint NOT NULL,
	"used" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "rate_budget_bucket_window_start_pk" PRIMARY KEY("bucket","window_start")
);
--> statement-breakpoint
CREATE INDEX "rate_budget_expires" ON "rate_budget" USING btree ("expires_at");