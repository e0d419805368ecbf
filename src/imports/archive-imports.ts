// The import records: owns `archive_imports`, the export archives members uploaded on the website (waiting for,
// running in or done by the member's job). The archive code (src/archive) reads and merges the archives; this
// service only keeps their records.
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { archiveImports } from '../db/schema.ts';

export type UploadRow = typeof archiveImports.$inferSelect;
export type UploadPatch = Partial<Omit<typeof archiveImports.$inferInsert, 'id' | 'memberId'>>;

export interface ArchiveImports {
  /** The member's import that has not finished yet, if any (one at a time per member). */
  unfinished(memberId: number): Promise<UploadRow | undefined>;
  /** The member's unfinished imports, oldest first. */
  allUnfinished(memberId: number): Promise<UploadRow[]>;
  /** The member's newest upload. */
  latest(memberId: number): Promise<UploadRow | undefined>;
  /** Records a stored upload; its id. */
  record(memberId: number, p: { fileName: string; path: string; bytes: number }): Promise<number>;
  update(id: number, patch: UploadPatch): Promise<void>;
  /** The upload files some unfinished import still needs (every member). */
  pathsInUse(): Promise<Set<string>>;
}

export function createArchiveImports(ctx: AppContext): ArchiveImports {
  const unfinished = (memberId: number) =>
    ctx.db
      .select()
      .from(archiveImports)
      .where(
        and(eq(archiveImports.memberId, memberId), inArray(archiveImports.status, ['pending', 'running'])),
      )
      .orderBy(archiveImports.id);
  return {
    async unfinished(memberId) {
      const [row] = await unfinished(memberId).limit(1);
      return row;
    },

    allUnfinished: (memberId) => unfinished(memberId),

    latest(memberId) {
      // Read by every dashboard page view.
      return ctx.memberViews.get(memberId, 'latestImport', async () => {
        const [row] = await ctx.db
          .select()
          .from(archiveImports)
          .where(eq(archiveImports.memberId, memberId))
          .orderBy(desc(archiveImports.id))
          .limit(1);
        return row;
      });
    },

    async record(memberId, p) {
      const [row] = await ctx.db
        .insert(archiveImports)
        .values({
          memberId,
          fileName: p.fileName,
          uploadPath: p.path,
          bytes: p.bytes,
          createdAt: ctx.clock.date(),
        })
        .returning({ id: archiveImports.id });
      ctx.memberViews.changed(memberId);
      return row!.id;
    },

    async update(id, patch) {
      const rows = await ctx.db
        .update(archiveImports)
        .set(patch)
        .where(eq(archiveImports.id, id))
        .returning({ memberId: archiveImports.memberId });
      for (const r of rows) ctx.memberViews.changed(r.memberId);
    },

    async pathsInUse() {
      const rows = await ctx.db
        .select({ path: archiveImports.uploadPath })
        .from(archiveImports)
        .where(inArray(archiveImports.status, ['pending', 'running']));
      return new Set(rows.map((r) => r.path).filter((p): p is string => p !== null));
    },
  };
}
