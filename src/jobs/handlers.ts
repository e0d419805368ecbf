// Which function handles which queue. The sync engine registers its job here.
import type { HandlerMap } from './worker.ts';

export const jobHandlers: HandlerMap = {};
