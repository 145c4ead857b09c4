import { randomBytes, randomInt } from 'node:crypto';

// A short excerpt in the spirit of Docker's namesgenerator: adjective_scientist.
const LEFT = [
  'admiring',
  'brave',
  'clever',
  'dazzling',
  'eager',
  'focused',
  'gallant',
  'happy',
  'jolly',
  'keen',
  'loving',
  'modest',
  'nifty',
  'optimistic',
  'peaceful',
  'quirky',
  'relaxed',
  'serene',
  'tender',
  'vibrant',
];
const RIGHT = [
  'babbage',
  'curie',
  'dijkstra',
  'euler',
  'feynman',
  'goldberg',
  'hopper',
  'knuth',
  'lamport',
  'liskov',
  'lovelace',
  'mccarthy',
  'noether',
  'pike',
  'ritchie',
  'shannon',
  'thompson',
  'torvalds',
  'turing',
  'wozniak',
];

export function randomName(): string {
  return `${LEFT[randomInt(LEFT.length)]}_${RIGHT[randomInt(RIGHT.length)]}`;
}

/** A 64-hex container ID, like Docker's; the first 12 characters are the short ID. */
export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}
