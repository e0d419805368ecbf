import type { Scenario } from '../harness/scenario.ts';

export const memory: Scenario = {
  name: 'memory',
  description: 'not written yet',
  async run() {
    throw new Error('not written yet');
  },
};
