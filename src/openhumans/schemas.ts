// zod schemas for the Open Humans responses we use.
import { z } from 'zod';

export const ohTokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().positive(),
  scope: z.string().default(''),
  refresh_token: z.string().min(1),
});

export const ohFileSchema = z.object({
  id: z.number().int().nonnegative(),
  basename: z.string(),
  created: z.string(),
  download_url: z.string().min(1),
  metadata: z.looseObject({
    description: z.string().optional(),
    tags: z.array(z.string()).optional(),
  }),
  source: z.string(),
  datatypes: z.array(z.unknown()).optional(),
  source_project: z.string().optional(),
});

export const ohExchangeMemberPage = z.object({
  count: z.number().int().nonnegative().optional(),
  next: z.string().nullable().optional(),
  previous: z.string().nullable().optional(),
  created: z.string(),
  project_member_id: z.string().regex(/^\d{8}(\d{8})?$/, 'project_member_id must be 8 digits'),
  sources_shared: z.array(z.string()).default([]),
  username: z.string().optional(),
  data: z.array(ohFileSchema),
});

export const ohDirectUploadResponse = z.object({
  id: z.number().int().nonnegative(),
  url: z.string().min(1),
});
export const ohCompleteResponse = z.object({ status: z.literal('ok'), size: z.number().int().nonnegative() });
export const ohDeleteResponse = z.object({ ids: z.array(z.number().int()) });
