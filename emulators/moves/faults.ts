// Injected faults for resilience tests: error statuses, latency, broken bodies and dropped connections,
// globally or for a path prefix, with a probability or for the next N matching requests.
import { z } from 'zod';

export const faultRuleSchema = z
  .object({
    kind: z.enum(['status', 'latency', 'truncate', 'malformed', 'drop']),
    /** for kind=status; omitted → one of 500/502/503 at random */
    status: z.union([z.literal(500), z.literal(502), z.literal(503)]).optional(),
    /** chance per matching request (default 1) */
    probability: z.number().min(0).max(1).optional(),
    /** only the next N matching requests; omitted → until the rule is replaced */
    count: z.number().int().positive().optional(),
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    /** e.g. "/api/1.1/user/storyline"; omitted → every non-control path */
    pathPrefix: z.string().startsWith('/').optional(),
  })
  .strict();
export type FaultRule = z.infer<typeof faultRuleSchema>;

export interface FaultDecision {
  latencyMs: number;
  status?: number;
  truncate: boolean;
  malformed: boolean;
  drop: boolean;
}

/** Picks the faults for one request; decrements `count` on the rules that fired (they are the config's rules). */
export function decideFaults(
  rules: FaultRule[],
  path: string,
  random: () => number = Math.random,
): FaultDecision {
  const d: FaultDecision = { latencyMs: 0, truncate: false, malformed: false, drop: false };
  if (path.startsWith('/_control')) return d;
  for (const rule of rules) {
    if (rule.count === 0) continue;
    if (rule.pathPrefix && !path.startsWith(rule.pathPrefix)) continue;
    if (random() >= (rule.probability ?? 1)) continue;
    if (rule.count !== undefined) rule.count -= 1;
    switch (rule.kind) {
      case 'latency':
        d.latencyMs += rule.latencyMs ?? 1000;
        break;
      case 'status':
        d.status ??= rule.status ?? ([500, 502, 503] as const)[Math.floor(random() * 3)] ?? 500;
        break;
      case 'truncate':
        d.truncate = true;
        break;
      case 'malformed':
        d.malformed = true;
        break;
      case 'drop':
        d.drop = true;
        break;
    }
  }
  return d;
}
