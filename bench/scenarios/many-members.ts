import type { Scenario } from '../harness/scenario.ts';

export const manyMembers: Scenario = {
  name: 'many-members',
  description: 'not written yet',
  async run() {
    throw new Error('not written yet');
  },
};
