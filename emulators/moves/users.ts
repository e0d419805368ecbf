// The "new demo user" of the authorization page: two years of history in Europe/Berlin, deterministic seed.
import { formatDate, ordinalAt } from './dates.ts';
import type { EmulatorContext } from './context.ts';

export const DEMO_ZONE = 'Europe/Berlin';

export function demoUser(ctx: EmulatorContext): { firstDate: string; timeZone: string; seed: number } {
  const today = ordinalAt(ctx.clock.now(), DEMO_ZONE);
  // Seeds 1000, 1001, … so the n-th demo user is the same in every run.
  return { firstDate: formatDate(today - 730), timeZone: DEMO_ZONE, seed: 1000 + ctx.store.users.size };
}
