// The scheduler role: a pg-boss cron that fires once per cluster and runs the scheduler pass.
import type { AppContext } from '../context.ts';

export async function startScheduler(ctx: AppContext): Promise<void> {
  await ctx.queue.scheduleSchedulerPass(ctx.config.schedulerCron);
  ctx.logger.info({ cron: ctx.config.schedulerCron }, 'scheduler started');
}
