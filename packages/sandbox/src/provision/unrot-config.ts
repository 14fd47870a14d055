import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_CONTAINER, DOCKER_VMID, registryRepo, STACK_DIR } from './docker-ct.js';
import { langConfigFile, langGlobalLines } from './lang-config.js';
import { LANG_VMID } from './lang-ct.js';
import { DNF_VMID, PACMAN_VMID } from './os-ct.js';
import { OS_DEMO, OS_KEEP } from './os-packages.js';
import { PY_VENV, PY_VMID } from './py-ct.js';
import type { SandboxSettings } from './settings.js';
import { WEB_APP_DIR, WEB_VMID } from './web-ct.js';

/**
 * The unrot config files the demo runs with (schemas: packages/engine/src/policy/), for the CTs
 * the sandbox has (`vmids`; CT 101/102 by default, 103/104 with the `os` group).
 */
export function unrotConfigFiles(s: SandboxSettings, vmids: readonly number[] = [WEB_VMID, PY_VMID]): Record<string, string> {
  const state = join(s.paths.root, 'unrot-state');
  const files: Record<string, string> = {
    'global.yml': [
      '# global.yml of the sandbox made by `unrot-sandbox up` (same keys as examples/global.yml).',
      '# Use it with: PATH=packages/sandbox/bin:$PATH unrot run --config <this directory>',
      '',
      '# How many containers are updated at the same time.',
      'max_concurrency: 2',
      '',
      '# The sandbox node (UNROT_SANDBOX_NODE or the short host name), as pvesh sees it.',
      `node: ${s.paths.node}`,
      '',
      '# Reports and logs stay inside the sandbox root, so `unrot-sandbox down` removes them too.',
      `state_dir: ${state}`,
      '',
      ...(vmids.includes(LANG_VMID) ? langGlobalLines() : []),
      'defaults:',
      '  retries: 1',
      '  runners:',
      '    os: apt # the CTs are Debian 12; the local repo offers unrot-sandbox-demo 1.1',
      '',
      '# Only the sandbox CTs.',
      'targets:',
      `  allow: [${vmids.join(', ')}]`,
      '',
    ].join('\n'),
    [`containers/${WEB_VMID}.yml`]: [
      '# CT 101 web101 (privileged, systemd): Debian packages plus the npm project of web-app.service.',
      'runners:',
      '  os: apt',
      '  npm:',
      `    projects: [${WEB_APP_DIR}] # ms is at 2.0.0 while ^2.0.0 wants 2.1.3`,
      '',
    ].join('\n'),
    [`containers/${PY_VMID}.yml`]: [
      '# CT 102 py102 (unprivileged): Debian packages plus the venv of the Python app.',
      'runners:',
      '  os: apt',
      '  pip:',
      `    venvs: [${PY_VENV}] # unrot-demo-lib is at 1.0.0 while the local index has 1.1.0`,
      '',
    ].join('\n'),
    [`containers/${DNF_VMID}.yml`]: [
      '# CT 103 dnf103: Debian 12 with dnf and rpm standing in for a Fedora container; packages come',
      `# from the sandbox's local RPM repository (127.0.0.1:${s.rpmPort}), where ${OS_DEMO} 1.1 is pending.`,
      'runners:',
      '  os: dnf',
      'exclusions:',
      `  packages: [${OS_KEEP}] # 1.1 is pending too, but it stays at 1.0`,
      '',
    ].join('\n'),
    [`containers/${PACMAN_VMID}.yml`]: [
      '# CT 104 pac104: Debian 12 with pacman standing in for an Arch container; packages come from',
      `# the sandbox's local pacman repository (127.0.0.1:${s.pacmanPort}), where ${OS_DEMO} 1.1 is pending.`,
      'runners:',
      '  os: pacman',
      'exclusions:',
      `  packages: [${OS_KEEP}] # 1.1 is pending too, but it stays at 1.0 (pacman --ignore)`,
      '',
    ].join('\n'),
    [`containers/${DOCKER_VMID}.yml`]: [
      '# CT 105 dock105 (privileged, features nesting=1): Docker-in-LXC. runner-docker keeps the plain',
      `# container ${DEMO_CONTAINER} and the compose project ${STACK_DIR} on ${registryRepo(s)}:latest`,
      '# (the registry inside the CT); `unrot-sandbox publish-docker 1.1` moves latest to 1.1.',
      'runners:',
      '  os: none # Debian packages are not the point here (and would come from the real mirror)',
      '  docker:',
      `    containers: [${DEMO_CONTAINER}]`,
      `    compose_projects: [${STACK_DIR}]`,
      `    insecure_registries: ['127.0.0.1:${s.registryPort}'] # plain HTTP: docker manifest inspect needs --insecure`,
      '    prune_old_images: true # the replaced 1.0 image goes once verification passed',
      'health_checks:',
      '  - probe: http',
      '    name: demo',
      '    options:',
      `      port: ${s.dockerAppPort} # ${DEMO_CONTAINER} on the host network`,
      '      path: /health',
      '    schedule:',
      '      warmup_ms: 1000',
      '      attempts: 5',
      '',
    ].join('\n'),
    [`containers/${LANG_VMID}.yml`]: langConfigFile(s),
  };
  return Object.fromEntries(
    Object.entries(files).filter(([rel]) => !rel.startsWith('containers/') || vmids.some((v) => rel === `containers/${v}.yml`)),
  );
}

export async function writeUnrotConfig(s: SandboxSettings, vmids?: readonly number[]): Promise<void> {
  for (const [rel, text] of Object.entries(unrotConfigFiles(s, vmids))) {
    const file = join(s.configDir, rel);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, text);
  }
}
