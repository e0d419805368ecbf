import type { Scenario } from '../harness/scenario.ts';

export const steadyState: Scenario = {
  name: 'steady-state',
  description: 'not written yet',
  async run() {
    throw new Error('not written yet');
  },
};
