import { describe, expect, it } from 'vitest';
import { toUpdateResources } from '../../api/convert/update-request';
import { parseUpdate } from '../../client/parse-update';
import type { HostInfo } from '../../common/settings';
import { defaultHostConfig, type HostConfig } from '../../common/types';
import { applyUpdate, verifyUpdate } from '../../common/update-api';
import { updateResources } from '../../runtime/drivers/linux/runc-update';

const MB = 1024 * 1024;
const ID = 'c'.repeat(64);
const HOST: HostInfo = {
  os: 'linux',
  cpus: 2,
  memoryBytes: 8 * 1024 * MB,
  cgroupMemory: true,
  cgroupCpu: true,
  cgroupPids: true,
  swapLimit: true,
};
const hc = (over: Partial<HostConfig> = {}): HostConfig => ({ ...defaultHostConfig(), ...over });

describe("docker update's merge (UpdateContainer)", () => {
  it('non-zero fields replace the recorded ones; PidsLimit when present, 0 or less unlimited', () => {
    const next = applyUpdate(ID, hc({ Memory: 64 * MB, MemorySwap: 128 * MB, PidsLimit: 10 }), {
      Memory: 100 * MB,
      NanoCpus: 5e8,
      PidsLimit: -1,
    });
    expect(next).toMatchObject({ Memory: 100 * MB, MemorySwap: 128 * MB, NanoCpus: 5e8, PidsLimit: 0 });
    expect(applyUpdate(ID, hc({ PidsLimit: 10 }), {}).PidsLimit).toBe(10);
  });

  it.each([
    [
      'memory above the recorded memory+swap without a new swap',
      hc({ Memory: 64 * MB, MemorySwap: 128 * MB }),
      { Memory: 256 * MB },
      'Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time',
    ],
    [
      'memory on a container that recorded no swap',
      hc(),
      { Memory: 64 * MB },
      'Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time',
    ],
    [
      'swap below memory',
      hc({ Memory: 64 * MB, MemorySwap: 128 * MB }),
      { Memory: 100 * MB, MemorySwap: 80 * MB },
      'Minimum memoryswap limit should be larger than memory limit, see usage',
    ],
    [
      'a restart policy on an AutoRemove container',
      hc({ AutoRemove: true }),
      { RestartPolicy: { Name: 'always' as const, MaximumRetryCount: 0 } },
      'Restart policy cannot be updated because AutoRemove is enabled for the container',
    ],
  ])('%s: Docker’s conflict naming the container', (_what, before, u, msg) => {
    expect(() => applyUpdate(ID, before, u)).toThrow(`Cannot update container ${ID}: ${msg}`);
  });

  it('unlimited swap (-1) takes any memory; a new swap with it is fine', () => {
    expect(applyUpdate(ID, hc({ Memory: 64 * MB, MemorySwap: -1 }), { Memory: 512 * MB }).Memory).toBe(512 * MB);
    expect(applyUpdate(ID, hc(), { Memory: 64 * MB, MemorySwap: -1 })).toMatchObject({ MemorySwap: -1 });
  });

  it.each([
    [{ Memory: 4 * MB }, 'Minimum memory limit allowed is 6MB'],
    [{ NanoCpus: 3e9 }, 'range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'],
    [{ RestartPolicy: { Name: 'sometimes' as never, MaximumRetryCount: 0 } }, "invalid restart policy 'sometimes'"],
    [
      { RestartPolicy: { Name: 'always' as const, MaximumRetryCount: 3 } },
      "maximum retry count cannot be used with restart policy 'always'",
    ],
  ])('verifyUpdate(%j): Docker’s 400', (u, msg) => {
    expect(() => verifyUpdate(u, HOST)).toThrow(msg);
  });
});

describe('the API body and the CLI flags', () => {
  it('the docker CLI body: zeros are unchanged, PidsLimit present sets, unsupported fields only at zero', () => {
    const body = {
      CpuShares: 0,
      Memory: 67108864,
      MemorySwap: 0,
      NanoCpus: 0,
      CpusetCpus: '',
      BlkioWeightDevice: null,
      Ulimits: null,
      MemorySwappiness: null,
      PidsLimit: 0,
      RestartPolicy: { Name: '', MaximumRetryCount: 0 },
    };
    expect(toUpdateResources(body)).toEqual({ Memory: 67108864, PidsLimit: 0 });
    expect(toUpdateResources({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } })).toEqual({
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 },
    });
    expect(() => toUpdateResources({ BlkioWeight: 500 })).toThrow('container-saga does not support BlkioWeight');
  });

  it('container-saga update flags', () => {
    expect(
      parseUpdate({ memory: '64m', memorySwap: '-1', cpus: '1.5', pidsLimit: '-1', restart: 'on-failure:3' }),
    ).toEqual({
      Memory: 64 * MB,
      MemorySwap: -1,
      NanoCpus: 1.5e9,
      PidsLimit: -1,
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
    });
    expect(() => parseUpdate({ memory: 'lots' })).toThrow(`invalid argument "lots" for "-m, --memory" flag`);
  });

  it('runc update -r: every limit given, -1 for none', () => {
    expect(
      updateResources({ memory: 64 * MB, memorySwap: 128 * MB, nanoCpus: 5e8, pidsLimit: 0, cpuShares: 512 }),
    ).toEqual({
      memory: { limit: 64 * MB, swap: 128 * MB },
      cpu: { quota: 50_000, period: 100_000, shares: 512 },
      pids: { limit: -1 },
    });
    expect(
      updateResources({ memory: 0, memorySwap: undefined, nanoCpus: 0, pidsLimit: 7, cpuShares: 0 }),
    ).toMatchObject({
      memory: { limit: -1, swap: -1 },
      cpu: { quota: -1 },
      pids: { limit: 7 },
    });
  });
});
