import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { BlockList, isIP } from 'node:net';

/** A target a webhook may not have, and why (`url …`). */
export class TargetRefused extends Error {}

/**
 * Addresses a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE: this host and its neighbours
 * (private, loopback, link-local, unspecified, carrier-grade NAT, multicast, reserved), so that
 * registering a webhook cannot make the server call into its own network (SSRF).
 */
const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], // unspecified, loopback (an IPv4-mapped address is checked against the IPv4 ranges)
  ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], // unique local, link-local, multicast
] as const) BLOCKED.addSubnet(network, prefix, 'ipv6');

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  return family === 0 || BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A target checked and resolved once: the request connects to `address`, the one checked (no second lookup to rebind). */
export interface ResolvedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/**
 * Parses `raw` (http or https only) and resolves its host; refuses it when any address it
 * resolves to is blocked, unless `allowPrivate`. Throws `TargetRefused`.
 */
export async function resolveTarget(raw: string, allowPrivate: boolean): Promise<ResolvedTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused('url must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetRefused('url must be an http or https URL');
  if (url.username || url.password) throw new TargetRefused('url must not carry credentials');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host);
  const blocked = addresses.find((a) => isBlockedAddress(a.address));
  if (blocked && !allowPrivate) {
    throw new TargetRefused(`url resolves to ${blocked.address}, a private, loopback, link-local or unspecified address (WEBHOOK_ALLOW_PRIVATE=true allows it)`);
  }
  return { url, address: addresses[0].address, family: addresses[0].family === 6 ? 6 : 4 };
}

async function resolve(host: string): Promise<{ address: string; family: number }[]> {
  try {
    const found = await lookup(host, { all: true, verbatim: true });
    if (found.length > 0) return found;
  } catch {
    // answered below
  }
  throw new TargetRefused(`url host ${host} does not resolve`);
}

/** A `lookup` for `http.request` that answers the checked address whatever it is asked. */
export function pinnedLookup({ address, family }: ResolvedTarget): LookupFunction {
  return (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
}
