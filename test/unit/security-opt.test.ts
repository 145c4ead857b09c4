/** common/security-opt.ts against Docker's parseSecurityOpt (daemon/daemon_unix.go). */
import { describe, expect, it } from 'vitest';
import { parseSecurityOpts, type SecurityOptions } from '../../common/security-opt';
import { expectError, thrown } from './helpers';

const none: SecurityOptions = { labelOpts: [], noNewPrivileges: false };

describe('parseSecurityOpts: accepted', () => {
  it.each<[string[], SecurityOptions]>([
    [[], none],
    [['label:user:U'], { ...none, labelOpts: ['user:U'] }],
    [['label=user:U'], { ...none, labelOpts: ['user:U'] }],
    [['label=disable'], { ...none, labelOpts: ['disable'] }],
    [['label:type:svirt_t', 'label=level:s0:c1,c2'], { ...none, labelOpts: ['type:svirt_t', 'level:s0:c1,c2'] }],
    [['apparmor:P'], { ...none, appArmorProfile: 'P' }],
    [['apparmor=unconfined'], { ...none, appArmorProfile: 'unconfined' }],
    [['seccomp=unconfined'], { ...none, seccompProfile: 'unconfined' }],
    [['seccomp:/etc/profile.json'], { ...none, seccompProfile: '/etc/profile.json' }],
    [['no-new-privileges'], { ...none, noNewPrivileges: true }],
    [['no-new-privileges:true'], { ...none, noNewPrivileges: true }],
    [['no-new-privileges=true'], { ...none, noNewPrivileges: true }],
    [['no-new-privileges:false'], { ...none, noNewPrivileges: false }],
    [['no-new-privileges', 'no-new-privileges=false'], { ...none, noNewPrivileges: false }],
    [['apparmor=a', 'apparmor=b'], { ...none, appArmorProfile: 'b' }],
    // Docker parses the flag with strconv.ParseBool: 1/0, t/f, TRUE/FALSE, True/False are booleans too.
    [['no-new-privileges=1'], { ...none, noNewPrivileges: true }],
    // Docker special-cases the bare word "disable" as label=disable.
    [['disable'], { ...none, labelOpts: ['disable'] }],
    // Docker accepts an empty profile (it means the default profile).
    [['seccomp='], { ...none, seccompProfile: '' }],
  ])('%j', (opts, want) => {
    expect(parseSecurityOpts(opts)).toEqual(want);
  });
});

describe('parseSecurityOpts: InvalidSecurityOpt (400) naming the option', () => {
  it.each<[string[], string]>([
    [['foo=bar'], 'foo=bar'],
    [['foo:bar'], 'foo:bar'],
    [['bogus'], 'bogus'],
    [['label'], 'label'],
    [['apparmor'], 'apparmor'],
    [['no-new-privileges:bad'], 'no-new-privileges:bad'],
    [['no-new-privileges='], 'no-new-privileges='],
    [[':x'], ':x'],
    [['=x'], '=x'],
    [[''], ''],
    [['label=user:U', 'nope'], 'nope'],
  ])('%j', (opts, bad) => {
    expectError(
      thrown(() => parseSecurityOpts(opts)),
      { type: 'InvalidSecurityOpt', message: `Invalid --security-opt: "${bad}"` },
    );
  });
});
