/** A configuration that cannot start the service; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
