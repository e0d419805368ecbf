// A storyline file on Open Humans as the original Moves app published it: what a member who used that app
// already has there before oh-moves first publishes.
import { Readable } from 'node:stream';
import type { AppContext } from '../../src/context.ts';
import { STORYLINE_FILENAME } from '../../src/sync/publish.ts';

export function uploadLegacyStoryline(
  ctx: Pick<AppContext, 'openHumans'>,
  ohAccessToken: string,
  json: string,
): Promise<{ id: number; size: number }> {
  return ctx.openHumans.uploadFile(ohAccessToken, {
    filename: STORYLINE_FILENAME,
    metadata: {
      description: 'Moves GPS maps, locations, and steps data.',
      tags: ['GPS', 'Moves', 'steps'],
    },
    size: Buffer.byteLength(json),
    body: () => Readable.from([Buffer.from(json)]),
  });
}
