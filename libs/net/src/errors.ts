/** Raised for an address or prefix that cannot be used as given; the message says what to write instead. */
export class NetParseError extends Error {
  override readonly name = 'NetParseError';
  constructor(
    message: string,
    readonly input: string,
  ) {
    super(message);
  }
}
