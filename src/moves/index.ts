// Public surface of the Moves client and its ISO-week helpers.
export {
  MovesClient,
  type MovesClientOptions,
  type MovesProfile,
  type MovesTokens,
  type WeekResponse,
} from './client.ts';
export { parseRateHeaders, type RateHeaders } from './rate-headers.ts';
export * from './weeks.ts';
