/** The newest Engine API version served, and the oldest Docker still serves. */
export const API_VERSION = '1.41';
export const MIN_API_VERSION = '1.12';
