// Keys derived from SECRET_KEY with HKDF, one per purpose, so no key is used for two things.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface DerivedKeys {
  /** 32 bytes for @fastify/secure-session. */
  session: Buffer;
  /** 32 bytes for AES-256-GCM token encryption. */
  tokens: Buffer;
}

export function deriveKeys(secretKey: string): DerivedKeys {
  const derive = (info: string) =>
    Buffer.from(crypto.hkdfSync('sha256', Buffer.from(secretKey, 'utf8'), 'oh-moves', info, 32));
  return { session: derive('session-cookie-v1'), tokens: derive('token-encryption-v1') };
}

/**
 * The sandbox needs no configuration, yet sessions and encrypted tokens must survive a restart: generate a
 * secret once and keep it in the data directory (readable by the owner only).
 */
export function loadOrCreateSandboxSecret(dataDir: string): string {
  const file = path.resolve(dataDir, 'sandbox-secret-key');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch {
    // not created yet
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const secret = crypto.randomBytes(48).toString('base64');
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
