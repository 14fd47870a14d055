import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildCreate, cpusOf, goDuration } from '../src/create-argv.js';

// Real inputs: `docker inspect` of two containers and `docker image inspect` of their image, from
// Debian 12's docker.io 20.10.24 (see fixtures/README.md). Variants are made by editing a copy in
// memory, the way a container created with other options would print.
// biome-ignore lint/suspicious/noExplicitAny: inspect JSON edited in place, field by field, in each case
type Obj = Record<string, any>;
const fixture = (name: string): Obj => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'))[0];
const rich = () => fixture('inspect-rich.json');
const plain = () => fixture('inspect-plain.json');
const image = () => fixture('image-inspect-demo-1.0.json');
const REF = '127.0.0.1:5555/demo:latest';
const build = (container: Obj, img: Obj = image()) => buildCreate({ container, image: img, imageRef: REF });
const refusedOf = (container: Obj, img: Obj = image()): string[] => {
  try {
    build(container, img);
  } catch (e) {
    expect(e).toMatchObject({ code: 'E_RUNNER_NOT_APPLICABLE' });
    return (e as { details: { refused: string[] } }).details.refused;
  }
  throw new Error('not refused');
};
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'no error';
};

describe('recreate argv from real docker inspect output', () => {
  it('reproduces every option the rich container was created with (the argv the real dockerd turned back into the same inspect)', () => {
    const spec = build(rich());
    expect(spec.name).toBe('rich');
    expect(spec.argv).toEqual([
      'docker',
      'create',
      '--name=rich',
      '--env-file=/run/unrot-docker-rich.env',
      '--hostname=richhost',
      '--user=1000:1000',
      '--workdir=/data',
      '--label=app=demo',
      '--label=unrot.test=x y',
      '--stop-signal=SIGINT',
      '--stop-timeout=7',
      '--health-cmd=busybox true',
      '--health-interval=5s',
      '--health-retries=2',
      '--volume=vdata:/data',
      '--volume=/tmp/dk/img:/mnt/img:ro',
      '--log-driver=json-file',
      '--log-opt=max-size=1m',
      '--restart=unless-stopped',
      '--cap-add=NET_ADMIN',
      '--cap-drop=MKNOD',
      '--cgroupns=host',
      '--dns=1.1.1.1',
      '--add-host=foo.example:10.0.0.1',
      '--ipc=private',
      '--read-only',
      '--security-opt=no-new-privileges',
      '--tmpfs=/tmp2:size=2m',
      '--shm-size=8388608',
      '--runtime=runc',
      '--memory=67108864',
      '--cpus=0.5',
      '--device=/dev/null:/dev/xnull:rwm',
      '--memory-swap=134217728',
      '--ulimit=nofile=1024:2048',
      '--mount=type=tmpfs,target=/run/t,tmpfs-size=1048576',
      '--init',
      '--network=host',
      REF,
      'sleep',
      '999',
    ]);
    expect(spec.connects).toEqual([]);
  });

  it('keeps environment values out of argv: only the entries the image did not set go to the env-file on stdin', () => {
    const spec = build(rich());
    expect(spec.envFile).toBe('FOO=bar\nWITH_SPACE=a b\n');
    expect(spec.argv.join(' ')).not.toContain('FOO');
    // PATH and DEMO_VERSION came from the old image: the new image's values must win.
    expect(spec.envFile).not.toContain('DEMO_VERSION');
    expect(build(plain()).argv).not.toContain('--env-file=/run/unrot-docker-rich.env');
  });

  it('a container with nothing but a network gets a minimal argv (the short-id hostname and image defaults left out)', () => {
    expect(build(plain()).argv).toEqual([
      'docker',
      'create',
      '--name=plain',
      '--log-driver=json-file',
      '--cgroupns=host',
      '--ipc=private',
      '--shm-size=67108864',
      '--runtime=runc',
      '--network=none',
      REF,
    ]);
  });

  it('labels the old image carried are left to the new image; a label the container changed is kept', () => {
    const c = plain();
    c.Config.Labels = { 'org.opencontainers.image.version': '1.0', own: 'yes' };
    expect(build(c).argv.filter((a) => a.startsWith('--label'))).toEqual(['--label=own=yes']);
    c.Config.Labels['org.opencontainers.image.version'] = 'pinned';
    expect(build(c).argv.filter((a) => a.startsWith('--label'))).toEqual([
      '--label=org.opencontainers.image.version=pinned',
      '--label=own=yes',
    ]);
  });

  it('publishes ports with host IP (IPv6 in brackets), a random host port, and does not re-expose published ports', () => {
    const c = plain();
    c.HostConfig.NetworkMode = 'default';
    c.HostConfig.PortBindings = {
      '80/tcp': [{ HostIp: '', HostPort: '8080' }],
      '53/udp': [
        { HostIp: '127.0.0.1', HostPort: '5353' },
        { HostIp: '::1', HostPort: '5353' },
      ],
      '9000/tcp': [{ HostIp: '', HostPort: '' }],
    };
    c.Config.ExposedPorts = { '80/tcp': {}, '53/udp': {}, '9000/tcp': {}, '7000/tcp': {} };
    const argv = build(c).argv;
    expect(argv.filter((a) => a.startsWith('--publish') || a.startsWith('--expose'))).toEqual([
      '--expose=7000/tcp',
      '--publish=127.0.0.1:5353:53/udp',
      '--publish=[::1]:5353:53/udp',
      '--publish=8080:80/tcp',
      '--publish=9000/tcp',
    ]);
    expect(argv).not.toContain('--network=default');
  });

  it('networks: the first with its aliases and static IP on create, the others by network connect before start; the short-id alias docker adds is dropped', () => {
    const c = plain();
    const shortId = c.Id.slice(0, 12);
    c.HostConfig.NetworkMode = 'backend';
    c.NetworkSettings.Networks = {
      backend: { Aliases: [shortId, 'db', 'postgres'], IPAMConfig: { IPv4Address: '172.30.0.5' }, Links: null, DriverOpts: null },
      frontend: { Aliases: [shortId, 'db-public'], IPAMConfig: null, Links: null, DriverOpts: null },
    };
    const spec = build(c);
    expect(spec.argv.slice(-5)).toEqual(['--network=backend', '--network-alias=db', '--network-alias=postgres', '--ip=172.30.0.5', REF]);
    expect(spec.connects).toEqual([['docker', 'network', 'connect', '--alias=db-public', 'frontend', 'plain']]);
  });

  it('restart policies: on-failure keeps its retry count, "no" adds nothing', () => {
    const c = plain();
    c.HostConfig.RestartPolicy = { Name: 'on-failure', MaximumRetryCount: 3 };
    expect(build(c).argv).toContain('--restart=on-failure:3');
    c.HostConfig.RestartPolicy = { Name: 'no', MaximumRetryCount: 0 };
    expect(build(c).argv.some((a) => a.startsWith('--restart'))).toBe(false);
  });

  it('entrypoint: a changed one-element entrypoint is passed with the container command as is', () => {
    const c = plain();
    c.Config.Entrypoint = ['/bin/sh'];
    c.Config.Cmd = ['-c', 'exec sleep 1'];
    const argv = build(c).argv;
    expect(argv).toContain('--entrypoint=/bin/sh');
    expect(argv.slice(-3)).toEqual([REF, '-c', 'exec sleep 1']);
  });

  it('entrypoint: a reset entrypoint is passed as --entrypoint= ; the image CMD is then not inherited', () => {
    const c = plain();
    c.Config.Entrypoint = null;
    c.Config.Cmd = ['/bin/busybox', 'sleep', '5'];
    const argv = build(c).argv;
    expect(argv).toContain('--entrypoint=');
    expect(argv.slice(-4)).toEqual([REF, '/bin/busybox', 'sleep', '5']);
  });

  it('healthcheck: durations round-trip as Go durations, NONE becomes --no-healthcheck, an image healthcheck is not repeated', () => {
    const c = plain();
    c.Config.Healthcheck = {
      Test: ['CMD-SHELL', 'wget -q -O- http://127.0.0.1/ || exit 1'],
      Interval: 30e9,
      Timeout: 1500e6,
      StartPeriod: 7,
      Retries: 4,
    };
    expect(build(c).argv.filter((a) => a.startsWith('--health'))).toEqual([
      '--health-cmd=wget -q -O- http://127.0.0.1/ || exit 1',
      '--health-interval=30s',
      '--health-timeout=1500ms',
      '--health-start-period=7ns',
      '--health-retries=4',
    ]);
    c.Config.Healthcheck = { Test: ['NONE'] };
    expect(build(c).argv).toContain('--no-healthcheck');
    const img = image();
    img.Config.Healthcheck = { Test: ['CMD-SHELL', 'true'], Interval: 5e9 };
    c.Config.Healthcheck = { Test: ['CMD-SHELL', 'true'], Interval: 5e9 };
    expect(build(c, img).argv.some((a) => a.startsWith('--health'))).toBe(false);
  });

  it('an anonymous volume (image VOLUME or -v /path) is re-attached by its name so its data stays', () => {
    const c = plain();
    const vol = 'a3f1c0de8b1e4a6f9c2d7e5b3a1f0c9d8e7b6a5f4c3d2e1f0a9b8c7d6e5f4a3b';
    c.Mounts = [
      {
        Type: 'volume',
        Name: vol,
        Source: `/var/lib/docker/volumes/${vol}/_data`,
        Destination: '/var/lib/data',
        Driver: 'local',
        Mode: '',
        RW: true,
        Propagation: '',
      },
    ];
    expect(build(c).argv).toContain(`--volume=${vol}:/var/lib/data`);
    // A named volume given with -v is in Binds already and not repeated.
    const r = rich();
    expect(build(r).argv.filter((a) => a.includes(':/data'))).toEqual(['--volume=vdata:/data']);
  });

  it('--mount values are CSV-quoted the way docker parses them, with bind and volume options', () => {
    const c = plain();
    c.HostConfig.Mounts = [
      { Type: 'bind', Source: '/srv/a,b', Target: '/mnt/x', ReadOnly: true, BindOptions: { Propagation: 'rshared' } },
      { Type: 'volume', Source: 'cache', Target: '/cache', VolumeOptions: { NoCopy: true, Labels: { k: 'v' } } },
    ];
    expect(build(c).argv.filter((a) => a.startsWith('--mount'))).toEqual([
      '--mount=type=bind,"source=/srv/a,b",target=/mnt/x,readonly,bind-propagation=rshared',
      '--mount=type=volume,source=cache,target=/cache,volume-nocopy=true,volume-label=k=v',
    ]);
  });

  it('every option is one --flag=value element: a value starting with "-" or holding shell characters can never become another option', () => {
    const c = rich();
    c.Config.Labels.evil = '--privileged; $(reboot)';
    c.HostConfig.Dns = ['--privileged'];
    const argv = build(c).argv;
    const flags = argv.slice(2, argv.indexOf(REF));
    expect(flags.every((a) => /^--[a-z-]+(=|$)/.test(a))).toBe(true);
    expect(argv).toContain('--label=evil=--privileged; $(reboot)');
    expect(argv).toContain('--dns=--privileged');
    expect(argv).not.toContain('--privileged');
  });
});

describe('what the builder refuses (never guesses)', () => {
  it('lists every key it does not understand in one E_RUNNER_NOT_APPLICABLE', () => {
    const c = rich();
    c.HostConfig.Links = ['/db:/rich/db'];
    c.HostConfig.DeviceRequests = [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }];
    c.HostConfig.Annotations = { 'io.example': 'x' };
    c.Config.FutureField = 'x';
    const refused = refusedOf(c);
    expect(refused.map((k) => k.split(' ')[0])).toEqual([
      'Config.FutureField',
      'HostConfig.Links',
      'HostConfig.DeviceRequests',
      'HostConfig.Annotations',
    ]);
  });

  it.each<[string, (c: Obj) => void, string]>([
    ['a network namespace shared with another container', (c) => (c.HostConfig.NetworkMode = 'container:db'), 'HostConfig.NetworkMode'],
    ['an IPC namespace shared with another container', (c) => (c.HostConfig.IpcMode = 'container:db'), 'HostConfig.IpcMode'],
    ['a PID namespace shared with another container', (c) => (c.HostConfig.PidMode = 'container:db'), 'HostConfig.PidMode'],
    ['a multi-element entrypoint', (c) => (c.Config.Entrypoint = ['/bin/busybox', 'sh']), 'Config.Entrypoint'],
    ['an emptied CMD', (c) => (c.Config.Cmd = null), 'Config.Cmd'],
    ['a CMD-form healthcheck', (c) => (c.Config.Healthcheck = { Test: ['CMD', '/bin/true'] }), 'Config.Healthcheck.Test'],
    ['StdinOnce', (c) => (c.Config.StdinOnce = true), 'Config.StdinOnce'],
    ['a SHELL unlike the image', (c) => (c.Config.Shell = ['/bin/ash', '-c']), 'Config.Shell'],
    ['an npipe mount', (c) => (c.HostConfig.Mounts = [{ Type: 'npipe', Source: 'x', Target: 'y' }]), 'HostConfig.Mounts[0]'],
    [
      'a mount field from a newer API',
      (c) => (c.HostConfig.Mounts = [{ Type: 'bind', Source: '/a', Target: '/b', ImageOptions: { Subpath: 'x' } }]),
      'HostConfig.Mounts[0]',
    ],
    ['masked paths set through the API', (c) => (c.HostConfig.MaskedPaths = ['/proc/self']), 'HostConfig.MaskedPaths'],
    ['GPU requests', (c) => (c.HostConfig.DeviceRequests = [{ Count: 1 }]), 'HostConfig.DeviceRequests'],
    ['kernel memory', (c) => (c.HostConfig.KernelMemory = 1024), 'HostConfig.KernelMemory'],
    ['Windows isolation', (c) => (c.HostConfig.Isolation = 'hyperv'), 'HostConfig.Isolation'],
    [
      'network driver options',
      (c) => (c.NetworkSettings.Networks.none.DriverOpts = { a: 'b' }),
      'NetworkSettings.Networks.none.DriverOpts',
    ],
  ])('refuses %s', (_what, edit, key) => {
    const c = plain();
    edit(c);
    expect(refusedOf(c).map((k) => k.split(' ')[0])).toEqual([key]);
  });

  it('the message names the container and the keys', () => {
    const c = plain();
    c.HostConfig.Links = ['/db:/plain/db'];
    expect(() => build(c)).toThrow(/container plain cannot be recreated exactly; not understood: HostConfig.Links/);
  });

  it('an environment entry an env-file cannot carry (a newline in the value, no "=") is refused, not mangled', () => {
    const c = plain();
    c.Config.Env = ['MULTI=line1\nline2'];
    expect(code(() => build(c))).toBe('E_RUNNER_NOT_APPLICABLE');
    c.Config.Env = ['NOEQUALS'];
    expect(code(() => build(c))).toBe('E_RUNNER_NOT_APPLICABLE');
  });
});

describe('hostile and malformed inspect output', () => {
  it.each<[string, (c: Obj) => void]>([
    ['a container name with shell characters', (c) => (c.Name = '/plain;reboot')],
    ['a container name that is an option', (c) => (c.Name = '/--privileged')],
    ['a network name with command substitution', (c) => (c.HostConfig.NetworkMode = '$(reboot)')],
    ['a second network name with spaces', (c) => (c.NetworkSettings.Networks['a b'] = { Aliases: null })],
    ['an anonymous volume name with a slash', (c) => (c.Mounts = [{ Type: 'volume', Name: '../../etc', Destination: '/x', RW: true }])],
    ['a host IP with shell characters', (c) => (c.HostConfig.PortBindings = { '80/tcp': [{ HostIp: '1.2.3.4;id', HostPort: '80' }] })],
    ['a NUL byte in a label', (c) => (c.Config.Labels = { a: 'x\u0000y' })],
  ])('refuses %s with E_RUNNER_UNSAFE_NAME', (_what, edit) => {
    const c = plain();
    edit(c);
    expect(code(() => build(c))).toBe('E_RUNNER_UNSAFE_NAME');
  });

  it.each<[string, (c: Obj) => void]>([
    ['Config missing', (c) => delete c.Config],
    ['Env not a list of strings', (c) => (c.Config.Env = 'FOO=bar')],
    ['a port key that is not a port', (c) => (c.HostConfig.PortBindings = { '80/tcp;x': [] })],
    ['Memory as a string', (c) => (c.HostConfig.Memory = '64m')],
    ['an unknown restart policy', (c) => (c.HostConfig.RestartPolicy = { Name: 'sometimes' })],
  ])('refuses %s with E_RUNNER_PARSE', (_what, edit) => {
    const c = plain();
    edit(c);
    expect(code(() => build(c))).toBe('E_RUNNER_PARSE');
  });
});

describe('number formats docker parses back exactly', () => {
  it.each([
    [500000000, '0.5'],
    [1500000000, '1.5'],
    [2000000000, '2'],
    [1, '0.000000001'],
  ])('NanoCpus %d → --cpus=%s', (n, s) => expect(cpusOf(n)).toBe(s));

  it.each([
    [5e9, '5s'],
    [1500e6, '1500ms'],
    [7, '7ns'],
  ])('%d ns → %s', (n, s) => expect(goDuration(n)).toBe(s));
});
