// Encrypts OAuth tokens at rest with AES-256-GCM. The stored form is "v1.<iv>.<tag>.<ciphertext>" in base64url.
import crypto from 'node:crypto';

export class TokenCipher {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    this.key = key;
    if (key.length !== 32) throw new Error('TokenCipher needs a 32-byte key');
  }

  encrypt(plain: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ['v1', iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Throws when the value was not produced with this key (wrong SECRET_KEY or tampering). */
  decrypt(stored: string): string {
    const [version, iv, tag, body] = stored.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined)
      throw new Error('stored token is not in the expected encrypted format');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new Error('stored token cannot be decrypted: was SECRET_KEY changed?');
    }
  }
}
