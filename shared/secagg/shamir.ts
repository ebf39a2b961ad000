import { combine, split } from 'shamir-secret-sharing';
import { SecAggProtocolError } from '../errors/index.js';

/**
 * Splits a secret into `numShares` Shamir shares, any `threshold` of which rebuild it; fewer reveal nothing about it.
 * Byte-wise over GF(2^8) (the audited `shamir-secret-sharing` package); each share is the secret's length + 1 bytes,
 * its last byte the x-coordinate. Coefficients come from the package's CSPRNG (node:crypto), not from a seed.
 * @param secret bytes to share (here 32: a self-mask seed b_u or an X25519 private key s_u^SK).
 * @throws {RangeError} when numShares ∉ [2, 255], threshold ∉ [2, numShares] or the secret is empty.
 * @see Shamir, CACM 1979; Bonawitz et al., CCS 2017, §3 (SS.share)
 */
export async function splitSecret(secret: Uint8Array, numShares: number, threshold: number): Promise<Uint8Array[]> {
  if (!Number.isInteger(numShares) || numShares < 2 || numShares > 255)
    throw new RangeError(`splitSecret: numShares must be an integer in [2, 255], got ${numShares}`);
  if (!Number.isInteger(threshold) || threshold < 2 || threshold > numShares)
    throw new RangeError(`splitSecret: threshold must be an integer in [2, ${numShares}], got ${threshold}`);
  if (secret.length === 0) throw new RangeError('splitSecret: the secret is empty');
  // The package checks `constructor === Uint8Array`: a Buffer (a subclass) must be copied into a plain one.
  return split(Uint8Array.from(secret), numShares, threshold);
}

/**
 * Rebuilds a secret from Shamir shares made by splitSecret. Shares beyond `threshold` are ignored. With fewer than the
 * split's threshold the result is garbage, not an error — the caller checks the count (and, for a private key, that
 * it matches the advertised public key).
 * @param shares at least `threshold` shares of one secret, all the same length, distinct x-coordinates.
 * @param owner client whose secret this is, named in errors.
 * @throws {SecAggProtocolError} when there are fewer than `threshold` shares, their lengths differ, or two share an
 *   x-coordinate (a duplicated or forged share).
 * @see Bonawitz et al., CCS 2017, §3 (SS.recon)
 */
export async function combineShares(
  shares: readonly Uint8Array[],
  threshold: number,
  owner: string,
): Promise<Uint8Array> {
  if (shares.length < threshold || shares.length < 2)
    throw new SecAggProtocolError(`${shares.length} shares of ${owner}'s secret, ${threshold} needed`, {
      clientId: owner,
    });
  const used = shares.slice(0, threshold).map((s) => Uint8Array.from(s));
  const length = used[0]!.length;
  if (used.some((s) => s.length !== length) || length < 2)
    throw new SecAggProtocolError(`shares of ${owner}'s secret differ in length`, { clientId: owner, field: 'share' });
  if (new Set(used.map((s) => s[length - 1])).size !== used.length)
    throw new SecAggProtocolError(`two shares of ${owner}'s secret have the same x-coordinate`, {
      clientId: owner,
      field: 'share',
    });
  return combine(used);
}
