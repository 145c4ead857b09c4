/** Node's process.arch as OCI names architectures (the image config's and the manifest list's). */
const ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

export const hostArchitecture = (): string => ARCH[process.arch] ?? process.arch;

export const hostPlatform = () => ({ architecture: hostArchitecture(), os: 'linux' });
