// A realistic `apt-get -y upgrade` that failed because dpkg could not unpack a package, split into
// the streams apt and dpkg write it to. NOT captured from a live host: written from Debian's real
// messages (apt's "Preparing to unpack … / Unpacking …" progress and "Errors were encountered while
// processing:" go to stdout; dpkg's `dpkg: error processing archive …` and apt's closing
// `E: Sub-process /usr/bin/dpkg returned an error code (1)` go to stderr). The issue-12 report: only
// the last line reached the report, the dpkg lines were lost.

const PROGRESS = Array.from(
  { length: 70 },
  (_, i) => `Get:${i + 1} http://deb.debian.org/debian bookworm/main amd64 libexample${i} amd64 1.${i}-1 [${1000 + i} kB]`,
);

export const APT_STDOUT = [
  'Reading package lists...',
  'Building dependency tree...',
  'Reading state information...',
  'Calculating upgrade...',
  'The following packages will be upgraded:',
  '  libssl3 openssl',
  '2 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.',
  'Need to get 3,402 kB of archives.',
  ...PROGRESS,
  'Fetched 3,402 kB in 1s (3,120 kB/s)',
  '(Reading database ... 23411 files and directories currently installed.)',
  'Preparing to unpack .../libssl3_3.0.15-1~deb12u1_amd64.deb ...',
  'Unpacking libssl3:amd64 (3.0.15-1~deb12u1) over (3.0.14-1~deb12u2) ...',
  'Errors were encountered while processing:',
  ' /var/cache/apt/archives/libssl3_3.0.15-1~deb12u1_amd64.deb',
  '',
].join('\n');

export const DPKG_ERROR_ARCHIVE = 'dpkg: error processing archive /var/cache/apt/archives/libssl3_3.0.15-1~deb12u1_amd64.deb (--unpack):';

export const APT_STDERR = [
  'debconf: delaying package configuration, since apt-utils is not installed',
  DPKG_ERROR_ARCHIVE,
  " unable to make backup link of './usr/lib/x86_64-linux-gnu/libssl.so.3' before installing new version: Operation not permitted",
  'dpkg-deb: error: paste subprocess was killed by signal (Broken pipe)',
  'E: Sub-process /usr/bin/dpkg returned an error code (1)',
  '',
].join('\n');
