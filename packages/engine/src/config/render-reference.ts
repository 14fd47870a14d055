import { Kind, type TSchema } from '@sinclair/typebox';
import { ContainerPolicySchema, GlobalPolicySchema, GroupSelectorsSchema, WAVE_DEFAULTS, WaveSchema } from '../policy/index.js';
import { SCHEDULE_DEFAULTS } from '../schedule/schedule.js';
import { describeSchema } from './describe-schema.js';
import { CONFIG_DEFAULTS } from './effective-policy.js';
import type { RunnerCatalogEntry } from './runner-options.js';

interface Row {
  key: string;
  type: string;
  default: string;
  description: string;
}

const t = CONFIG_DEFAULTS.timeouts;

/** runner_limits rows fall back to the container's step values. */
function runnerLimitDefaults(prefix: string, scope: string): Record<string, string> {
  const out: Record<string, string> = { [`${prefix}.retries`]: `\`${scope}retries\`` };
  for (const step of ['detect', 'check', 'plan', 'apply']) out[`${prefix}.timeouts.${step}`] = `\`${scope}timeouts.${step}\``;
  return out;
}
/** Defaults shown in the reference; numbers come from CONFIG_DEFAULTS so docs and behaviour cannot drift. */
export const DOC_DEFAULTS: Record<string, Record<string, string>> = {
  global: {
    max_concurrency: String(CONFIG_DEFAULTS.max_concurrency),
    node: 'short host name',
    state_dir: CONFIG_DEFAULTS.state_dir,
    'defaults.timeouts.preflight': String(t.preflight),
    'defaults.timeouts.detect': String(t.detect),
    'defaults.timeouts.check': String(t.check),
    'defaults.timeouts.plan': String(t.plan),
    'defaults.timeouts.apply': String(t.apply),
    'defaults.timeouts.backup': String(t.backup),
    'defaults.timeouts.verify': String(t.verify),
    'defaults.timeouts.rollback': String(t.rollback),
    'defaults.backup.mode': CONFIG_DEFAULTS.backup.mode,
    'defaults.backup.on_unsupported': CONFIG_DEFAULTS.backup.on_unsupported,
    'defaults.backup.keep': String(CONFIG_DEFAULTS.backup.keep),
    'defaults.backup.vzdump_storage': CONFIG_DEFAULTS.backup.vzdump_storage,
    'defaults.backup.vzdump_mode': CONFIG_DEFAULTS.backup.vzdump_mode,
    'defaults.backup.vzdump_compress': CONFIG_DEFAULTS.backup.vzdump_compress,
    'defaults.rollback.on_failure': String(CONFIG_DEFAULTS.rollback.on_failure),
    'defaults.rollback.critical': 'every runner',
    'defaults.rollback.on_interrupt': CONFIG_DEFAULTS.rollback.on_interrupt,
    'defaults.restart.when': CONFIG_DEFAULTS.restart.when,
    'defaults.restart.wait_active_s': String(CONFIG_DEFAULTS.restart.wait_active_s),
    'defaults.retries': String(CONFIG_DEFAULTS.retries),
    'defaults.runners.os': CONFIG_DEFAULTS.osRunner,
    'exclusions.packages': 'none',
    'exclusions.paths': 'none',
    'exclusions.services': 'none',
    'maintenance.time_zone': 'the host zone',
    'maintenance.windows': `${SCHEDULE_DEFAULTS.windows.map((w) => `${w.days.join(',')} ${w.start} for ${w.duration}`).join('; ')}`,
    'maintenance.quick_pass': 'none',
    'maintenance.randomized_delay': `${SCHEDULE_DEFAULTS.randomizedDelayMs / 60_000}m`,
    'maintenance.cutoff': `${SCHEDULE_DEFAULTS.cutoffMs / 60_000}m`,
    prometheus_textfile: 'none',
    kill_switch_file: 'STOP in the config directory',
    jitter_ms: '0',
    max_starts_per_minute: 'no limit',
    'max_runtime.run': 'none',
    'max_runtime.container': 'the sum of its step limits',
    'defaults.allow_unlisted_commands': 'false',
    command_allowlist: 'none',
    'preflight.max_load': "4 × the host's CPU count",
    'preflight.max_storage_used_percent': String(CONFIG_DEFAULTS.preflight.max_storage_used_percent),
    'preflight.poll_s': String(CONFIG_DEFAULTS.preflight.poll_s),
    'preflight.give_up_after_s': String(CONFIG_DEFAULTS.preflight.give_up_after_s),
    'preflight.network': String(CONFIG_DEFAULTS.preflight.network),
    'preflight.network_timeout_s': String(CONFIG_DEFAULTS.preflight.network_timeout_s),
    'host.api': 'auto',
    'host.url': 'https://127.0.0.1:8006',
    'host.verify_tls': 'true',
    'host.ca_file': "/etc/pve/pve-root-ca.pem when readable, else the system's CAs",
    'host.exec': 'pct',
    'host.sudo': 'false',
    'host.timeout_s': '60',
    'rollout.pin_to_canary': 'true',
    'concurrency.per_runner': 'no cap',
    'concurrency.per_storage': 'no cap',
    'concurrency.per_node': 'no cap per node',
    'host.cluster.ssh.user': 'root',
    'host.cluster.ssh.identity_file': "ssh's own, /root/.ssh/id_rsa …",
    'host.cluster.ssh.known_hosts': "/etc/pve/priv/known_hosts, the cluster's own file",
    'host.cluster.ssh.port': '22',
    'host.cluster.ssh.connect_timeout_s': '10',
    'host.cluster.addresses': "the node's ip in /cluster/status",
    'host.cluster.lock_dir': "/etc/pve/priv/lock, on pmxcfs as Proxmox's own locks",
    'host.cluster.lock_wait': '30m',
    ...runnerLimitDefaults('defaults.runner_limits.<runner-id>', 'defaults.'),
    'rollout.waves[].rest': 'false',
    'rollout.waves[].max_concurrency': 'global `max_concurrency`',
    'rollout.waves[].soak': 'none',
    'rollout.waves[].max_failure_ratio': 'not checked',
    'rollout.waves[].max_failures': String(WAVE_DEFAULTS.max_failures),
    'rollout.waves[].halt_on_rollback': String(WAVE_DEFAULTS.halt_on_rollback),
  },
  container: {
    enabled: String(CONFIG_DEFAULTS.enabled),
    allow_unlisted_commands: 'global `defaults.allow_unlisted_commands`',
    pre_update: 'global `defaults.pre_update`',
    post_update: 'global `defaults.post_update`',
    on_rollback: 'global `defaults.on_rollback`',
    on_failure: 'global `defaults.on_failure`',
    'runners.os': 'global `defaults.runners.os`',
    'timeouts.preflight': 'global `defaults.timeouts.preflight`',
    'timeouts.detect': 'global `defaults.timeouts.detect`',
    'timeouts.check': 'global `defaults.timeouts.check`',
    'timeouts.plan': 'global `defaults.timeouts.plan`',
    'timeouts.apply': 'global `defaults.timeouts.apply`',
    'timeouts.backup': 'global `defaults.timeouts.backup`',
    'timeouts.verify': 'global `defaults.timeouts.verify`',
    'timeouts.rollback': 'global `defaults.timeouts.rollback`',
    'backup.mode': 'global `defaults.backup.mode`',
    'backup.on_unsupported': 'global `defaults.backup.on_unsupported`',
    'backup.keep': 'global `defaults.backup.keep`',
    'backup.vzdump_storage': 'global `defaults.backup.vzdump_storage`',
    'backup.vzdump_mode': 'global `defaults.backup.vzdump_mode`',
    'backup.vzdump_compress': 'global `defaults.backup.vzdump_compress`',
    'rollback.on_failure': 'global `defaults.rollback.on_failure`',
    'rollback.critical': 'global `defaults.rollback.critical`',
    'rollback.on_interrupt': 'global `defaults.rollback.on_interrupt`',
    retries: 'global `defaults.retries`',
    'exclusions.packages': 'none (global ones still apply)',
    ...runnerLimitDefaults('runner_limits.<runner-id>', ''),
    'exclusions.paths': 'none (global ones still apply)',
    'exclusions.services': 'none (global ones still apply)',
  },
};

/** Flattens an object schema into one row per key, depth first, in declaration order. */
export function schemaRows(schema: TSchema, defaults: Record<string, string>, prefix = ''): Row[] {
  const rows: Row[] = [];
  const props = (schema['properties'] ?? {}) as Record<string, TSchema>;
  for (const [name, sub] of Object.entries(props)) {
    const key = prefix ? `${prefix}.${name}` : name;
    rows.push(row(key, sub, defaults));
    if (sub[Kind] === 'Object' || sub[Kind] === 'Record') rows.push(...schemaRows(sub, defaults, key));
  }
  const extra = schema['additionalProperties'];
  if (typeof extra === 'object' && extra !== null) {
    rows.push(row(`${prefix ? `${prefix}.` : ''}<runner-id>`, extra as TSchema, defaults));
  }
  // A Record (keys checked by a pattern): one row for its values, named by the schema's keyName.
  const patterned = Object.values((schema['patternProperties'] ?? {}) as Record<string, TSchema>)[0];
  if (patterned) {
    const key = `${prefix ? `${prefix}.` : ''}<${String(schema['keyName'] ?? 'key')}>`;
    rows.push(row(key, patterned, defaults));
    if (patterned[Kind] === 'Object') rows.push(...schemaRows(patterned, defaults, key));
  }
  return rows;
}

function row(key: string, s: TSchema, defaults: Record<string, string>): Row {
  const description = String(s['description'] ?? '').replace(/\s*\(default[^)]*\)/, '');
  return { key, type: describeSchema(s), default: defaults[key] ?? '', description };
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(rows: Row[]): string {
  const lines = ['| Key | Type and constraints | Default | Description |', '| --- | --- | --- | --- |'];
  for (const r of rows) lines.push(`| \`${r.key}\` | ${cell(r.type)} | ${cell(r.default || '—')} | ${cell(r.description || '—')} |`);
  return lines.join('\n');
}

const INTRO = `# unrot configuration reference

<!-- Generated by renderConfigReference() in packages/engine/src/config/render-reference.ts from the
     typebox schemas in packages/engine/src/policy/. Do not edit by hand; regenerate with
     node packages/engine/scripts/render-config-reference.mjs   (needs the engine built), or
     UNROT_WRITE_REFERENCE=1 npx vitest run packages/engine/test/config/reference.test.ts -->

unrot reads one configuration directory: \`/etc/unrot/\` unless \`--config DIR\` says otherwise.
Commented templates covering every key are in [\`examples/\`](../examples/). The options of each
runner (\`runners.<runner-id>:\`) are in [\`runner-options.md\`](runner-options.md), generated from
the runners' own schemas.

## Files

| Path | Required | Holds |
| --- | --- | --- |
| \`DIR/global.yml\` (or \`global.yaml\`) | yes | host-wide settings and the defaults every container starts from |
| \`DIR/containers/<CTID>.yml\` (or \`.yaml\`) | no | the policy of one container, overriding the defaults |
| \`DIR/containers/<name>.yml\` (or \`.yaml\`) | no | a group file: \`selectors:\` plus container keys, for every container it selects (see "Group files") |

- A missing config directory, or a directory with no \`global.yml\`, is a configuration error
  ("no global.yml in DIR"): unrot never guesses a policy for your containers. An empty \`global.yml\`
  (or one holding only comments) is valid and means "all defaults".
- Having both \`global.yml\` and \`global.yaml\` is an error.
- \`containers/\` is optional. In it, a file is read when its name is \`<CTID>.yml\` or \`<CTID>.yaml\` with CTID a
  whole number from 100 to 999999999 written without leading zeros.
- A name starting with a letter (letters, digits, \`_\` and \`-\`, at most 64: \`web.yml\`, \`db-hosts.yml\`) is a group file
  and must hold \`selectors:\`.
- Any other name ending in \`.yml\`/\`.yaml\` in any letter case (\`10l.yml\`, \`99.yml\`, \`0101.yml\`, \`101.YML\`, \`web.YML\`) is an error, because it
  looks like a policy you expect to apply. Two files for one CTID (\`101.yml\` and \`101.yaml\`) or one group are an error too.
- Everything else is ignored, so editor and package-manager leftovers never break a run: names not ending in
  \`.yml\`/\`.yaml\` (\`README\`, \`101.yml.bak\`, \`101.yml~\`, \`101.yml.dpkg-old\`), names starting with a dot
  (\`.101.yml.swp\`, \`.#101.yml\`) and directories.
- Containers without a file run on the global defaults and the group files that select them (when targets select them).

## YAML dialect

Files are YAML 1.2 (core schema): \`yes\`, \`no\`, \`on\` and \`off\` are text, so write \`true\`/\`false\`.
Duplicate keys, unknown keys (at any depth), wrong types and out-of-range numbers are errors, never ignored.
Package names and exclusions may only use letters, digits and \`@ . _ + / * : -\`; shell characters
(\`;\`, \`$(\`, backticks, \`|\`, \`&\`) and spaces are refused, so a configured name can never become shell syntax.

## Merge rules (defaults → container file)

For container CTID the effective policy is built from built-in defaults, then \`global.yml\` \`defaults:\`, then
\`containers/<CTID>.yml\`:

- \`enabled\`, \`retries\`, each \`timeouts.<step>\` and \`runners.os\`: the most specific value wins.
- \`exclusions.packages\`, \`exclusions.paths\` and \`exclusions.services\`: the global list **plus** the
  container's; a container cannot remove a global exclusion.
- \`runners.<id>\`: app runners listed in \`defaults.runners\` apply to every container, plus those listed in the
  container file. For a runner listed in both, the container's option block replaces the default block as a whole
  (no deep merge), then the plugin's own option defaults fill in whatever is left out. A container cannot switch
  off an app runner enabled in \`defaults.runners\`: enable app runners per container when only some need them
  (\`enabled: false\` skips a whole container).
- \`runners.<os-runner-id>\` (e.g. \`apt:\` next to \`os: apt\`) holds the options of the os runner in use; naming
  another os runner there is an error. Every other key enables that app runner.
- \`runners.os\` names any installed runner plugin whose kind is \`os\` (the bundled \`apt\`, or a third party's such
  as \`zypper\`), or \`none\`; the list is not fixed by unrot:
  \`os runner 'zypper' is not installed (installed os runners: apt)\`, and naming an app runner there is an error.
- Runner ids must be installed plugins: \`unknown runner 'foo' (installed: apt, npm, pip)\`. Options are checked
  against each plugin's own schema, with its defaults applied first.
- \`runner_limits.<id>\` (a runner's own \`timeouts\` for detect/check/plan/apply and \`retries\`) sits beside
  \`runners:\`, not inside a runner's option block, which belongs to the plugin's schema. Per key, the container's
  entry wins over \`defaults.runner_limits\`, which wins over the container's \`timeouts.<step>\` / \`retries\`.
  Its ids, and those of \`concurrency.per_runner\`, must be installed runners.

## Errors and exit code

Problems are reported all at once, one per line (first every YAML and schema problem of every file, then, once
those are fixed, runner ids and runner options), as
\`file:line:column key.path: message (expected …)\`, for example

\`\`\`
/etc/unrot/containers/101.yml:4:5 timeouts.apply: 0 is out of range (expected an integer from 1 to 86400)
/etc/unrot/containers/101.yml:7:3 runners.foo: unknown runner 'foo' (installed: apt, npm, pip) (expected the id of an installed runner plugin)
\`\`\`

They carry the error code \`E_CONFIG\`; every \`unrot\` command exits with status **2** on a configuration error,
before touching any container.
`;

const GROUPS_INTRO = `## Group files: \`containers/<name>.yml\`

With many containers, per-container files repeat themselves. A group file holds \`selectors:\` and any key a
\`containers/<CTID>.yml\` may hold (\`runners\`, \`exclusions\`, \`health_checks\`, \`restart\`, \`risk\`, hooks, …), and
applies those keys to every container its selectors match. The selector forms are those of rollout waves:

\`\`\`yaml
# containers/web.yml
selectors:
  tags: [web]            # Proxmox tags, any letter case
  names: ["web-*"]       # name globs, * and ?
  ids: [103]             # VMIDs; a container matching any one form is selected
risk: low                # the daily quick pass may update these (maintenance.quick_pass)
exclusions:
  packages: [certbot]
\`\`\`

- **Precedence:** built-in defaults < \`global.yml\` \`defaults:\` < group files < \`containers/<CTID>.yml\`. The CTID file
  sits on top of the group layer by the merge rules above (scalars and lists replaced, \`backup\`, \`rollback\`,
  \`restart\`, \`timeouts\` and each \`runners.<id>\` block merged key by key, exclusions added).
- **Two group files matching one container** may not set the same top-level key: that is an error naming both files
  and the key (\`CT 101 matches group files …/prod.yml and …/web.yml, which both set 'retries'\`), never a silent pick
  by file order. Two exceptions, both independent of order: \`exclusions\` lists add up (global + every matching group +
  the CTID file, duplicates removed), and \`runners\` is checked per runner id (\`web.yml\` may enable \`npm\` while
  \`python.yml\` enables \`pip\`; both setting \`runners.npm\` or \`runners.os\` is the error). Put the key in one group file,
  or in \`containers/<CTID>.yml\`, which overrides group files.
- A group file must hold \`selectors:\` with at least one tag, name or id; \`selectors:\` in a \`containers/<CTID>.yml\` is
  an error (that file names its container already). Unknown keys and bad values are reported like in any other
  file, with file, line and key path, and group files pass the same ownership and mode checks.
- Tags and names are read from the container list, so conflicts between groups are found when \`unrot targets\`,
  \`plan\` or \`run\` list the containers (exit 2, before any container is touched); \`unrot validate\` checks the files
  alone. A group file matching no container is a warning, not an error: \`unrot targets\` prints it on stderr, and the
  report of \`plan\`/\`run\` lists every group file with the containers it applied to (\`groups\` in report.json, "group files:"
  in the text). \`unrot targets\` shows the group files that apply to each container.

Besides the keys of \`containers/<CTID>.yml\` (above), a group file holds:
`;

const ROLLOUT_INTRO = `### \`rollout.waves[]\`: one wave of a staged rollout

Waves run in order; the first is the canary. A container belongs to the first wave that selects it (by
\`ids\`, \`tags\` or \`names\`, or \`rest: true\`); a selected container no wave takes is not updated
(\`not-in-rollout\`). After a wave, a stop condition met halts every later wave (skipped as
\`rollout-halted\`, exit 5 unless a failure gives 1). Later waves install only the versions the canary
installed (\`rollout.pin_to_canary\`). A wave with \`soak\` ends the run; a later run starts the next wave
once the soak is over and the wave's health checks pass again. See
[runbooks/staged-rollout.md](runbooks/staged-rollout.md).
`;

/** The whole docs/config-reference.md. Pass installed runners to append their option tables. */
export function renderConfigReference(runners: readonly RunnerCatalogEntry[] = []): string {
  const parts = [
    INTRO,
    '## `global.yml`\n',
    table(schemaRows(GlobalPolicySchema, DOC_DEFAULTS.global!)),
    '',
    ROLLOUT_INTRO,
    table(schemaRows(WaveSchema, DOC_DEFAULTS.global!, 'rollout.waves[]')),
    '',
    '## `containers/<CTID>.yml`\n',
    table(schemaRows(ContainerPolicySchema, DOC_DEFAULTS.container!)),
    '',
    GROUPS_INTRO,
    table([
      { key: 'selectors', type: describeSchema(GroupSelectorsSchema), default: '', description: String(GroupSelectorsSchema.description) },
      ...schemaRows(GroupSelectorsSchema, {}, 'selectors'),
    ]),
    '',
  ];
  parts.push(...runnerSections(runners));
  return parts.join('\n');
}

function runnerSections(runners: readonly RunnerCatalogEntry[]): string[] {
  const parts: string[] = [];
  for (const r of [...runners].sort((a, b) => a.id.localeCompare(b.id))) {
    const prefix = `runners.${r.id}`;
    parts.push(
      `## Runner \`${r.id}\` (${r.kind}) options\n`,
      table(schemaRows(r.optionsSchema, schemaDefaults(r.optionsSchema, prefix), prefix)),
      '',
    );
  }
  return parts;
}

/** A runner's defaults live in its own schema (`default:`), not in the engine's table. */
function schemaDefaults(schema: TSchema, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, sub] of Object.entries((schema['properties'] ?? {}) as Record<string, TSchema>)) {
    const key = `${prefix}.${name}`;
    const value: unknown = sub['default'];
    if (Array.isArray(value)) out[key] = value.length === 0 ? 'none' : value.join(', ');
    else if (value !== undefined && typeof value !== 'object') out[key] = String(value);
    if (sub[Kind] === 'Object') Object.assign(out, schemaDefaults(sub, key));
  }
  return out;
}

const RUNNER_INTRO = `# Runner options

<!-- Generated by renderRunnerOptions() in packages/engine/src/config/render-reference.ts from the
     optionsSchema of every runner under plugins/. Do not edit by hand; regenerate with
     node scripts/render-runner-options.mjs   (needs the plugins built), or
     UNROT_WRITE_REFERENCE=1 npx vitest run test/runner-options-reference.test.ts -->

The options a container policy gives a runner under \`runners:\`, for every runner in this
repository. \`os:\` picks the distribution runner (apt, dnf, apk, pacman); the key named like a
runner holds its options, e.g.

\`\`\`yaml
# containers/103.yml
runners:
  os: dnf
  dnf: { security: true }
\`\`\`

Unknown keys and wrong types are refused like any other policy error (exit 2). Each runner's page
in [\`runners/\`](runners/) says what the runner runs and why.
`;

/** docs/runner-options.md: one options table per runner, from the runners' own schemas. */
export function renderRunnerOptions(runners: readonly RunnerCatalogEntry[]): string {
  return [RUNNER_INTRO, ...runnerSections(runners)].join('\n');
}
