import { GO_BIN_DIR, LANG_APPS, LANG_HEALTH_CHECKS, LANG_VMID, PHP_APP_DIR, RUBY_APP_DIR } from './lang-ct.js';
import { composerRepoUrl, FLATPAK_APPS, flatpakRemoteUrl, gemSourceUrl, goProxyUrl } from './lang-sources.js';
import type { SandboxSettings } from './settings.js';

/** The go exclusion names the module (the runner matches module path, package path or file name). */
export const GO_KEEP_MODULE = 'example.test/stay';

/** global.yml lines: the binaries CT 106's command probes run (probes, hooks and custom commands need them listed). */
export function langGlobalLines(): string[] {
  const binaries = [...new Set(LANG_HEALTH_CHECKS.map((c) => c.argv[0]))];
  return ["# CT 106's health checks run its apps (probe cmd).", `command_allowlist: [${binaries.join(', ')}]`, ''];
}

/** containers/106.yml: the four app runners, their exclusions and the command probes that run each app. */
export function langConfigFile(s: SandboxSettings): string {
  const { composer, gem, go } = LANG_APPS;
  const yamlList = (items: readonly string[]) => `[${items.map((i) => JSON.stringify(i)).join(', ')}]`;
  return [
    `# CT ${LANG_VMID} lang106: Debian 12 with Debian's composer, ruby-bundler, golang-go and flatpak. Sources on 127.0.0.1:`,
    `# Composer ${composerRepoUrl(s)}, gems ${gemSourceUrl(s)}, GOPROXY ${goProxyUrl(s)} (root's go env),`,
    `# flatpak remote ${flatpakRemoteUrl(s)} (system installation).`,
    `# Pending: ${composer.demo}, ${gem.demo}, ${go.demo} ${composer.from} → ${composer.to}, ${FLATPAK_APPS.demo} ${FLATPAK_APPS.from} → ${FLATPAK_APPS.to};`,
    '# the excluded ones have 1.1 too.',
    'runners:',
    '  os: none # the Debian packages come from the real mirror: not what these drills are about',
    '  composer:',
    `    projects: [${PHP_APP_DIR}]`,
    '  gem:',
    `    projects: [${RUBY_APP_DIR}]`,
    '  go:',
    `    binaries: [${GO_BIN_DIR}]`,
    '  flatpak:',
    '    system: true',
    'exclusions:',
    `  packages: [${composer.keep}, ${gem.keep}, ${GO_KEEP_MODULE}, ${FLATPAK_APPS.keep}]`,
    '# Each probe runs one app; a broken release makes it exit non-zero, so the update is rolled back.',
    'health_checks:',
    ...LANG_HEALTH_CHECKS.flatMap((c) => [
      '  - probe: cmd',
      `    name: ${c.name}`,
      `    options: { argv: ${yamlList(c.argv)}, stdout_contains: ${JSON.stringify(c.stdoutContains)} }`,
      '    schedule: { backoff: { initial_ms: 500 } }',
    ]),
    '',
  ].join('\n');
}
