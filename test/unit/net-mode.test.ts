/** common/net-mode.ts against Docker's NetworkMode / IpcMode (api/types/container/hostconfig.go) and setupIPCDirs. */
import { describe, expect, it } from 'vitest';
import { defaultNetMode, needsOwnIpc, parseIpcMode, parseNetMode, type ParsedMode } from '../../common/net-mode';

describe('defaultNetMode (SetDefaultNetModeIfBlank)', () => {
  it.each<[string, string]>([
    ['', 'bridge'],
    ['default', 'bridge'],
    ['bridge', 'bridge'],
    ['host', 'host'],
    ['none', 'none'],
    ['container:db', 'container:db'],
    ['mynet', 'mynet'],
    ['Default', 'Default'],
  ])('%j → %j', (mode, want) => {
    expect(defaultNetMode(mode)).toBe(want);
  });
});

describe('parseNetMode', () => {
  it.each<[string, ParsedMode | undefined]>([
    ['', { kind: 'bridge' }],
    ['default', { kind: 'bridge' }],
    ['bridge', { kind: 'bridge' }],
    ['host', { kind: 'host' }],
    ['none', { kind: 'none' }],
    ['container:db', { kind: 'container', target: 'db' }],
    ['container:0123456789ab', { kind: 'container', target: '0123456789ab' }],
    ['container:', undefined],
    ['container', undefined],
    // any other valid name is a user-defined network's (or its ID): whether it exists is the host's question
    ['mynet', { kind: 'user', target: 'mynet' }],
    ['HOST', { kind: 'user', target: 'HOST' }],
    ['0123456789ab', { kind: 'user', target: '0123456789ab' }],
    ['host:', undefined],
    ['my net', undefined],
    ['-net', undefined],
  ])('%j → %j', (mode, want) => {
    expect(parseNetMode(mode)).toEqual(want);
  });
});

describe('parseIpcMode', () => {
  it.each<[string, ReturnType<typeof parseIpcMode>]>([
    ['', { kind: 'private' }],
    ['private', { kind: 'private' }],
    ['shareable', { kind: 'shareable' }],
    ['host', { kind: 'host' }],
    ['none', { kind: 'none' }],
    ['container:db', { kind: 'container', target: 'db' }],
    ['container', undefined],
    ['bogus', undefined],
    ['Private', undefined],
    ['shareable:x', undefined],
  ])('%j → %j', (mode, want) => {
    expect(parseIpcMode(mode)).toEqual(want);
  });
});

describe('needsOwnIpc: the container gets its own /dev/shm', () => {
  it.each<[string, boolean]>([
    ['', true],
    ['private', true],
    ['shareable', true],
    ['host', false],
    ['container:db', false],
    ['none', false],
    ['bogus', false],
  ])('%j → %s', (mode, want) => {
    expect(needsOwnIpc(mode)).toBe(want);
  });
});
