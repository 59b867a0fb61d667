/**
 * A request the address plan cannot satisfy as asked (not a lack of space: exhaustion is a
 * result, not an error). The message says what is wrong and what would be accepted; adapters
 * map it to HTTP 400.
 */
export class IpamInputError extends Error {
  override readonly name = 'IpamInputError';
  constructor(
    readonly code: 'prefix-length-out-of-range' | 'family-mismatch',
    message: string,
  ) {
    super(message);
  }
}
