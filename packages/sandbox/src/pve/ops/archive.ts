/** tar/compressor argv for vzdump archives and restores (pve-storage COMMON_TAR_FLAGS). */
export const COMMON_TAR_FLAGS = [
  '--sparse',
  '--numeric-owner',
  '--acls',
  '--xattrs',
  '--xattrs-include=user.*',
  '--xattrs-include=security.capability',
  '--warning=no-file-ignored',
  '--warning=no-xattr-write',
];

/** vzdump's default exclusions (findexcl), relative to the CT root. */
export const VZDUMP_EXCLUDES = ['/tmp/?*', '/var/tmp/?*', '/var/run/?*.pid'];

export type Compress = '0' | 'gzip' | 'zstd' | 'lzo';

export function archiveSuffix(comp: Compress): string {
  return { '0': '.tar', gzip: '.tar.gz', zstd: '.tar.zst', lzo: '.tar.lzo' }[comp];
}

export function compressorArgv(comp: Compress, zstdThreads: number): string[] | undefined {
  if (comp === 'zstd') return ['zstd', '-q', '--rsyncable', `--threads=${zstdThreads}`];
  if (comp === 'gzip') return ['gzip', '--rsyncable'];
  if (comp === 'lzo') return ['lzop'];
  return undefined;
}

/** tar's -I program for reading an archive, from its file name. */
export function decompressorFor(path: string): string | undefined {
  if (path.endsWith('.zst')) return 'zstd';
  if (path.endsWith('.gz')) return 'gzip';
  if (path.endsWith('.lzo')) return 'lzop';
  return undefined;
}

/** lxc-usernsexec prefix for an unprivileged CT (PVE::LXC::userns_command). */
export function usernsCommand(unprivileged: boolean): string[] {
  return unprivileged ? ['lxc-usernsexec', '-m', 'u:0:100000:65536', '-m', 'g:0:100000:65536', '--'] : [];
}

/** PVE::VZDump format_size. */
export function formatSize(size: number): string {
  const kb = size / 1024;
  if (kb < 1024) return `${Math.floor(kb)}KB`;
  const mb = size / (1024 * 1024);
  if (mb < 1024) return `${Math.floor(mb)}MB`;
  const gb = mb / 1024;
  if (gb < 1024) return `${gb.toFixed(2)}GB`;
  return `${(gb / 1024).toFixed(2)}TB`;
}

/** PVE::VZDump format_time: HH:MM:SS of a duration in seconds. */
export function formatDuration(seconds: number): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(Math.floor(seconds / 3600))}:${p(Math.floor((seconds % 3600) / 60))}:${p(seconds % 60)}`;
}

/** %Y_%m_%d-%H_%M_%S in localtime, as in vzdump archive names. */
export function archiveTimestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}_${p(d.getMonth() + 1)}_${p(d.getDate())}-${p(d.getHours())}_${p(d.getMinutes())}_${p(d.getSeconds())}`;
}
