// The publishing records: owns `published_files`, what oh-moves published (or adopted by seeding) on each
// member's Open Humans account. Files are always deleted on Open Humans by the ids recorded here.
import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { publishedFiles } from '../db/schema.ts';

export type PublishedFileRow = typeof publishedFiles.$inferSelect;

export interface NewPublishedFile {
  ohFileId: number;
  basename: string;
  size: number;
  md5: string;
  firstDay?: string | null;
  lastDay?: string | null;
  dayCount: number;
  publishedAt: Date;
}

export interface PublishedFiles {
  /** The member's current file (at most one). */
  current(memberId: number): Promise<PublishedFileRow | undefined>;
  /** The current files as a list (for the pages and the removals). */
  currentFiles(memberId: number): Promise<PublishedFileRow[]>;
  /** A confirmed upload becomes current; the previous current file waits for its removal (delete_pending). */
  recordUpload(memberId: number, file: NewPublishedFile): Promise<void>;
  /** The original app's file found on Open Humans becomes current, so the first publish replaces it. */
  adoptSeeded(memberId: number, file: NewPublishedFile): Promise<void>;
  /** Replaced files whose removal on Open Humans is not confirmed yet. */
  pendingRemoval(memberId: number): Promise<PublishedFileRow[]>;
  /** Open Humans confirmed the removal. */
  markDeleted(id: number): Promise<void>;
}

export function createPublishedFiles(ctx: AppContext): PublishedFiles {
  const withStatus = (memberId: number, status: PublishedFileRow['status']) =>
    ctx.db
      .select()
      .from(publishedFiles)
      .where(and(eq(publishedFiles.memberId, memberId), eq(publishedFiles.status, status)));
  return {
    async current(memberId) {
      const [row] = await withStatus(memberId, 'current');
      return row;
    },

    currentFiles: (memberId) => withStatus(memberId, 'current'),

    async recordUpload(memberId, file) {
      await ctx.db.transaction(async (tx) => {
        await tx
          .update(publishedFiles)
          .set({ status: 'delete_pending' })
          .where(and(eq(publishedFiles.memberId, memberId), eq(publishedFiles.status, 'current')));
        await tx.insert(publishedFiles).values({ memberId, ...file, status: 'current' });
      });
      ctx.memberViews.changed(memberId);
    },

    async adoptSeeded(memberId, file) {
      await ctx.db
        .insert(publishedFiles)
        .values({ memberId, ...file, status: 'current' })
        .onConflictDoNothing();
      ctx.memberViews.changed(memberId);
    },

    pendingRemoval: (memberId) => withStatus(memberId, 'delete_pending'),

    async markDeleted(id) {
      await ctx.db.update(publishedFiles).set({ status: 'deleted' }).where(eq(publishedFiles.id, id));
    },
  };
}
