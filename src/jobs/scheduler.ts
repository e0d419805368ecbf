// The scheduler role: a pg-boss cron that fires once per cluster and runs the scheduler pass.
import type { AppContext } from '../context.ts';
import { QUEUES } from './queues.ts';

export async function startScheduler(ctx: AppContext): Promise<void> {
  await ctx.boss.schedule(QUEUES.schedulerPass, ctx.config.schedulerCron, {}, { tz: 'UTC' });
  ctx.logger.info({ cron: ctx.config.schedulerCron }, 'scheduler started');
}
