#!/usr/bin/env node
// The scenarios of test/fixtures/contract-scenarios.json, recorded by the SDK's recorder
// (@unrot/sdk/testing createRecorder) against Debian's real flatpak on this machine: a throw-away
// installation under /tmp/unrot-flatpak-capture (FLATPAK_SYSTEM_DIR, FLATPAK_USER_DIR,
// FLATPAK_CONFIG_DIR, FLATPAK_RUN_DIR, HOME redirected, see test/support/demo-source.mjs) and a
// repository built with flatpak build-export, served by this script on an ephemeral 127.0.0.1
// port. The built runner (dist/) runs detect → sources → check → plan → apply → check again
// through createLocalExec (cwd /); every command's real output is kept, each expectation asserted.
// Needs root (runuser, chown) for the per-user scenario of `nobody`.
// Usage (from /work/main, after `npx tsc -p packages/sdk && npx tsc -p plugins/runner-flatpak`):
//   node plugins/runner-flatpak/scripts/record-fixtures.mjs
import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalExec, createRecorder } from '@unrot/sdk/testing';
import { runner } from '../dist/index.js';
import {
  arch,
  buildDemoSource,
  DEMO_APP,
  flatpakEnv,
  installFromDemoSource,
  OTHER_APP,
  publishDemoApp,
  publishExtension,
  publishRuntime,
  RUNTIME_ID,
  run,
  serveDemoSource,
} from '../test/support/demo-source.mjs';
import { installAsUser, startPrivateSystemBus, userInstallationEnv } from '../test/support/user-installation.mjs';

const ROOT = '/tmp/unrot-flatpak-capture';
rmSync(ROOT, { recursive: true, force: true });
mkdirSync(ROOT, { recursive: true });
// nobody must reach its installation under ROOT.
chmodSync(ROOT, 0o755);
const source = join(ROOT, 'source');
const env = flatpakEnv(join(ROOT, 'installation'));
const debian = readFileSync('/etc/debian_version', 'utf8').trim();
const ARCH = arch();
const demoRef = `app/${DEMO_APP}/${ARCH}/stable`;
const otherRef = `app/${OTHER_APP}/${ARCH}/stable`;
buildDemoSource(source);
const server = await serveDemoSource(source);
const remoteUrl = `${server.url}/repo`;
installFromDemoSource(env, 'system', remoteUrl, [DEMO_APP, OTHER_APP]);

const target = (execEnv = env, note = '') => ({
  exec: createLocalExec({ env: execEnv, cwd: '/' }),
  where: `this machine (Debian ${debian}, flatpak from Debian's apt), throw-away flatpak installations under ${ROOT}, repository built with flatpak build-export and served on ${server.url}${note}`,
  toolVersion: ['flatpak', '--version'],
});
const recorder = createRecorder(runner, { target: target() });
const capture = ({ name, how, options = {}, exclusions = [], expect }, t = target()) =>
  recorder.record({ name, how, options, exclusions, expect }, t);
const systemSources = [{ host: '127.0.0.1', port: server.port, origin: `flatpak remote demo ${remoteUrl} (the system installation)` }];

await capture(
  {
    name: 'flatpak: tool absent',
    how: 'PATH=/nonexistent: flatpak --version cannot be found (exit 127)',
    expect: { applicable: false },
  },
  target({ ...env, PATH: '/nonexistent' }, ', PATH=/nonexistent'),
);
await capture({
  name: 'flatpak: only an empty per-user installation configured',
  how: `options system: false, users: [root]; root's per-user installation (FLATPAK_USER_DIR) has nothing installed: flatpak --user list prints nothing`,
  options: { system: false, users: ['root'] },
  expect: { applicable: false },
});
await capture({
  name: 'flatpak: nothing pending right after install (pre-flight reads the remote)',
  how: `${DEMO_APP} and ${OTHER_APP} 1.0 just installed in the system installation from remote demo; flatpak remote-ls --updates printed nothing; sources() read flatpak remotes`,
  expect: { applicable: true, updates: 0, withheld: [], sources: systemSources },
});
publishDemoApp(source, DEMO_APP, '1.1');
publishDemoApp(source, OTHER_APP, '1.1');
// The remote's versions come from its appstream data as this host last fetched it (what plain
// `flatpak update` does; check itself changes nothing): fetched once here, so this scenario's
// plan shows versions, and the next one (Demo 1.2 on a cache that says 1.1) shows commits.
run(['flatpak', '--system', 'update', '--appstream', 'demo'], env);
await capture({
  name: 'flatpak: Demo 1.0 → 1.1 applied, Other withheld by an exclusion glob',
  how: `1.1 of both apps exported to the repository; flatpak --system update --appstream demo fetched the remote's appstream data (remote-ls shows version 1.1); exclusions ["org.unrot.Oth*"]; remote-ls --updates listed both refs; apply ran flatpak --system update -y --noninteractive ${demoRef} only; from/to are versions`,
  exclusions: ['org.unrot.Oth*'],
  expect: { applicable: true, updates: 1, withheld: [otherRef] },
});
run(['flatpak', '--system', 'mask', `${OTHER_APP}//stable`], env);
publishDemoApp(source, DEMO_APP, '1.2');
await capture({
  name: 'flatpak: a masked ref is withheld, Demo 1.1 → 1.2 applied',
  how: `flatpak --system mask ${OTHER_APP}//stable (its 1.1 still pending, remote-ls --updates lists it anyway); Demo 1.2 exported; no exclusions; the appstream data fetched before still says 1.1 for Demo, so check's from/to are short commits (installed and remote version equal)`,
  expect: { applicable: true, updates: 1, withheld: [otherRef] },
});
run(['flatpak', '--system', 'mask', '--remove', `${OTHER_APP}//stable`], env);
publishRuntime(source, 'runtime v2');
publishDemoApp(source, DEMO_APP, '1.3');
await capture({
  name: 'flatpak: an excluded runtime update withholds the app that would carry it along',
  how: `a new commit of ${RUNTIME_ID} branch 1 and Demo 1.3 exported; exclusions ["${OTHER_APP}", "${RUNTIME_ID}"]: the runtime and Other are excluded, Demo is withheld because flatpak update app/… updates its runtime along (measured)`,
  exclusions: [OTHER_APP, RUNTIME_ID],
  expect: { applicable: true, updates: 0, withheld: [demoRef, otherRef, `runtime/${RUNTIME_ID}/${ARCH}/1`] },
});
const plugin = `${OTHER_APP}.Plugin`;
const pluginRef = `runtime/${plugin}/${ARCH}/stable`;
publishExtension(source, plugin, OTHER_APP, '1.0');
publishDemoApp(source, OTHER_APP, '1.1', { extensionPoint: plugin });
await capture({
  name: 'flatpak: Other 1.0 → 1.1 and the runtime applied; flatpak installs the extension Other now declares along',
  how: `Other 1.1 declares [Extension ${plugin}] and ${plugin} 1.0 is exported; the runtime commit of the previous scenario still pending; exclusions ["${DEMO_APP}"]; apply reports ${pluginRef} as changed from null`,
  exclusions: [DEMO_APP],
  expect: { applicable: true, updates: 2, withheld: [demoRef] },
});
publishExtension(source, plugin, OTHER_APP, '1.1');
publishDemoApp(source, OTHER_APP, '1.2', { extensionPoint: plugin });
await capture({
  name: 'flatpak: an excluded extension update withholds the app that would carry it along',
  how: `${plugin} 1.1 and Other 1.2 exported; exclusions ["${DEMO_APP}", "${plugin}"]; check read flatpak info --show-metadata of the pending refs for their extension points`,
  exclusions: [DEMO_APP, plugin],
  expect: { applicable: true, updates: 0, withheld: [demoRef, otherRef, pluginRef] },
});
installFromDemoSource(env, 'user', remoteUrl, [demoRef]);
publishDemoApp(source, DEMO_APP, '1.4');
await capture({
  name: "flatpak: root's per-user installation, Demo 1.3 → 1.4 with flatpak --user",
  how: `Demo 1.3 installed in root's per-user installation (FLATPAK_USER_DIR); Demo 1.4 exported; options system: false, users: [root]`,
  options: { system: false, users: ['root'] },
  expect: { applicable: true, updates: 1, withheld: [] },
});
const bus = await startPrivateSystemBus(join(ROOT, 'bus'));
const nobodyEnv = { ...userInstallationEnv(env, join(ROOT, 'nobody')), DBUS_SYSTEM_BUS_ADDRESS: bus.address };
installAsUser('nobody', nobodyEnv, remoteUrl, [demoRef]);
publishDemoApp(source, DEMO_APP, '1.5');
await capture(
  {
    name: "flatpak: nobody's per-user installation, Demo 1.4 → 1.5 through runuser",
    how: `Demo 1.4 installed as nobody in its per-user installation (FLATPAK_USER_DIR ${ROOT}/nobody/user, owned by nobody); Demo 1.5 exported; options system: false, users: [nobody]; a private empty dbus-daemon as the system bus (flatpak asks parental controls over it for a non-root user)`,
    options: { system: false, users: ['nobody'] },
    expect: { applicable: true, updates: 1, withheld: [] },
  },
  target(nobodyEnv, `, FLATPAK_USER_DIR=${ROOT}/nobody/user, DBUS_SYSTEM_BUS_ADDRESS=${bus.address}`),
);
await bus.close();
await server.close();
await capture({
  name: 'flatpak: check fails when the remote is unreachable',
  how: `the repository server stopped (Demo 1.5, Other 1.2 and its extension pending): flatpak --system remote-ls --updates exits 1 with curl's "Couldn't connect to server"`,
  expect: { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
});
recorder.write(new URL('../test/fixtures/contract-scenarios.json', import.meta.url));
