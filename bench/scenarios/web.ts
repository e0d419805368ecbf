import type { Scenario } from '../harness/scenario.ts';

export const web: Scenario = {
  name: 'web',
  description: 'not written yet',
  async run() {
    throw new Error('not written yet');
  },
};
