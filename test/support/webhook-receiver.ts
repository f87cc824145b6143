import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got, with whether its signature held for the secret of its path. */
export interface ReceivedWebhook {
  path: string;
  id: string;
  timestamp: number;
  verified: boolean;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  /** What the receiver answered. */
  status: number;
}

/**
 * A system outside that receives webhooks on loopback: each path answers as `answer` says for
 * its n-th request (200 by default) and verifies every signature as a Standard Webhooks
 * receiver would, independently of the app's code (HMAC-SHA256 of "id.timestamp.body" with the
 * base64-decoded secret, any of the space-separated `v1,` signatures).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly secrets = new Map<string, string>();
  private readonly answers = new Map<string, (n: number) => number>();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString();
      const path = req.url ?? '/';
      const n = this.received.filter((r) => r.path === path).length + 1;
      const status = this.answers.get(path)?.(n) ?? 200;
      const id = String(req.headers['webhook-id']);
      const timestamp = Number(req.headers['webhook-timestamp']);
      this.received.push({ path, id, timestamp, verified: this.verify(path, id, timestamp, raw, String(req.headers['webhook-signature'])), body: JSON.parse(raw), status });
      res.writeHead(status).end();
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** The secret the app signs requests to `path` with (as its registration answered it). */
  expect(path: string, secret: string): void {
    this.secrets.set(path, secret);
  }

  /** How `path` answers its n-th request (1-based). */
  answer(path: string, status: (n: number) => number): void {
    this.answers.set(path, status);
  }

  at(path: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === path);
  }

  private verify(path: string, id: string, timestamp: number, body: string, header: string): boolean {
    const secret = this.secrets.get(path);
    if (!secret) return false;
    const expected = createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64')).update(`${id}.${timestamp}.${body}`).digest();
    return header.split(' ').some((s) => {
      const [version, signature] = s.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
  }
}
