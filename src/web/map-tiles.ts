// The opt-in background map: which tile server it uses (OpenStreetMap's unless the operator names another with
// MAP_TILE_URL and MAP_TILE_ATTRIBUTION, or turns it off with MAP_TILE_URL=none), and what a map on a page
// needs to know: whether this member agreed to load tiles and, only then, where from.
import type { FastifyReply } from 'fastify';
import { hasMapTilesConsent } from '../accounts/index.ts';
import type { Config } from '../config.ts';
import type { AppContext } from '../context.ts';
import { allowImagesFrom } from './security.ts';

export const OSM_TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';

export interface TileSource {
  url: string;
  /** scheme://host[:port], the only address the Content-Security-Policy adds for the tiles. */
  origin: string;
  /** Who the member's map area is sent to, in the consent question. */
  provider: string;
  attribution: string;
  attributionHref: string;
}

/**
 * The origin of a tile URL template such as https://tile.example.org/{z}/{x}/{y}.png, as a CSP source; a
 * `{s}` subdomain placeholder in front becomes `*.` (https://{s}.tile.example.org → https://*.tile.example.org).
 */
export function tileOrigin(template: string | undefined): string | undefined {
  const m = /^(https?:\/\/)(\{s\}\.)?([^/{}]+)(\/|$)/.exec(template ?? '');
  return m ? `${m[1]}${m[2] ? '*.' : ''}${m[3]}` : undefined;
}

export function tileSource(
  config: Pick<Config, 'mapTileUrl' | 'mapTileAttribution'>,
): TileSource | undefined {
  if (config.mapTileUrl === 'none') return undefined;
  if (!config.mapTileUrl)
    return {
      url: OSM_TILE_URL,
      origin: tileOrigin(OSM_TILE_URL)!,
      provider: 'OpenStreetMap',
      attribution: '© OpenStreetMap contributors',
      attributionHref: 'https://www.openstreetmap.org/copyright',
    };
  const origin = tileOrigin(config.mapTileUrl);
  if (!origin) return undefined;
  const provider = origin.replace(/^https?:\/\/(\*\.)?/, '');
  return {
    url: config.mapTileUrl,
    origin,
    provider,
    attribution: config.mapTileAttribution ?? provider,
    attributionHref: origin.replace('*.', ''),
  };
}

/** What the map partial shows: the offer, or (after consent) the tiles to load. */
export interface MapTilesView {
  /** False when the operator turned the background map off. */
  offered: boolean;
  provider: string;
  /** Set only when the member agreed: the page then loads tiles from here. */
  url: string;
  attribution: string;
  attributionHref: string;
}

/**
 * The map's tile settings for this member. When they agreed, the reply's Content-Security-Policy is widened to
 * the tile server's origin for this page only; every other page (and every page before consent) keeps images
 * to this site, so the browser cannot contact the tile server even by mistake.
 */
export function mapTilesFor(
  ctx: AppContext,
  member: { mapTilesConsentAt: Date | null } | undefined,
  reply: FastifyReply,
): MapTilesView {
  const source = tileSource(ctx.config);
  if (!source) return { offered: false, provider: '', url: '', attribution: '', attributionHref: '' };
  const consented = hasMapTilesConsent(member);
  if (consented) allowImagesFrom(ctx, reply, source.origin);
  return {
    offered: true,
    provider: source.provider,
    url: consented ? source.url : '',
    attribution: consented ? source.attribution : '',
    attributionHref: consented ? source.attributionHref : '',
  };
}
