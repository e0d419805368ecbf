// zod schemas for every Moves response we use. Numbers were parsed losslessly (ids may be bigint).
import { z } from 'zod';
import { decimalId } from '../upstream/json.ts';
import { MOVES_DATE } from './weeks.ts';

export const movesTokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().positive(),
  refresh_token: z.string().min(1),
  user_id: decimalId,
});

export const movesProfileResponse = z.object({
  userId: decimalId,
  profile: z.object({
    firstDate: z.string().regex(MOVES_DATE, 'firstDate must be yyyyMMdd'),
    currentTimeZone: z.object({
      id: z.string().min(1),
      offset: z.number().nullish(),
    }),
    // Optional (missing in 2013's profiles); a field of the wrong type is dropped, never fatal.
    localization: z
      .object({
        language: z.string().max(50).optional().catch(undefined),
        locale: z.string().max(50).optional().catch(undefined),
        firstWeekDay: z.number().int().optional().catch(undefined),
        metric: z.boolean().optional().catch(undefined),
      })
      .nullish()
      .catch(undefined),
    caloriesAvailable: z.boolean().nullish(),
    platform: z.string().nullish(),
  }),
});

const lastUpdate = z
  .string()
  .regex(/^\d{8}T\d{6}(Z|[+-]\d{4})$/, 'lastUpdate must look like 20160617T205150Z')
  .nullable()
  .optional();

/** The part of a day object we rely on; other keys are kept untouched in the raw text. */
export const movesDay = z.looseObject({
  date: z.string().regex(MOVES_DATE, 'date must be yyyyMMdd'),
  lastUpdate,
  summary: z.array(z.unknown()).nullable().optional(),
  segments: z.array(z.unknown()).nullable().optional(),
});

/** A day-list response (storyline, summary): a JSON array of day objects. An error object never passes. */
export const movesDayList = z.array(movesDay);
