import { describe, expect, it } from '@jest/globals';
import { generateSecret, SECRET_FORMAT, sign, signedHeaders } from './webhook-signature.js';
import { isBlockedAddress } from './webhook-target.js';

describe('Standard Webhooks signatures', () => {
  it('signs "id.timestamp.body" with the decoded secret, as the specification\'s own example', () => {
    // The example of the Standard Webhooks specification and its reference libraries.
    expect(sign('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('sends the id, the attempt\'s unix time and the signature of both with the body', () => {
    const headers = signedHeaders('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', '{"test": 2432232314}', new Date(1614265330_500));
    expect(headers).toEqual({
      'content-type': 'application/json',
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('generates secrets of 32 random bytes in the whsec_ format', () => {
    const [a, b] = [generateSecret(), generateSecret()];
    expect(a).toMatch(SECRET_FORMAT);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
  });
});

describe('addresses a webhook may not reach', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:7f00:1'])(
    'refuses %s',
    (address) => expect(isBlockedAddress(address)).toBe(true),
  );

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111'])('accepts %s', (address) => expect(isBlockedAddress(address)).toBe(false));
});
