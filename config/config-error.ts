/**
 * A variable (or a file it names) set to something the product cannot use; the message names it and what it accepts.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
