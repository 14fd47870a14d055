import { type Static, Type } from '@sinclair/typebox';

/** Maintenance windows (global.yml `maintenance:`) and container risk; used by the engine's schedule module. */

/** `3h`, `90m`, `1h30m`, `2d`: days, hours, minutes in this order (duration.ts parses it). */
export const DURATION_PATTERN = '^([0-9]+d)?([0-9]+h)?([0-9]+m)?$';

export const WeekdaySchema = Type.Union(
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => Type.Literal(d)),
  { description: 'a day of the week: mon, tue, wed, thu, fri, sat or sun' },
);

const DurationString = (description: string) =>
  Type.String({ pattern: DURATION_PATTERN, minLength: 2, maxLength: 32, description: `${description} (like 4h, 90m, 1h30m)` });

export const WindowPolicySchema = Type.Object(
  {
    days: Type.Optional(
      Type.Array(WeekdaySchema, {
        minItems: 1,
        maxItems: 7,
        uniqueItems: true,
        description: 'days on which the window opens (default every day)',
      }),
    ),
    start: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', maxLength: 5, description: 'local opening time, HH:MM (24-hour)' }),
    duration: DurationString('how long the window stays open, elapsed time, at most 7d'),
  },
  { additionalProperties: false, description: 'a recurring maintenance window' },
);

export const MaintenancePolicySchema = Type.Object(
  {
    time_zone: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'IANA time zone of all window times, like Europe/Berlin (default: the host zone)',
      }),
    ),
    windows: Type.Optional(
      Type.Array(WindowPolicySchema, {
        maxItems: 64,
        minItems: 1,
        description: 'when full runs may start containers (default: sun 02:00 for 4h)',
      }),
    ),
    quick_pass: Type.Optional(
      Type.Array(WindowPolicySchema, {
        maxItems: 64,
        minItems: 1,
        description: 'extra windows in which only containers with `risk: low` are updated (default none)',
      }),
    ),
    randomized_delay: Type.Optional(
      DurationString('timer start jitter, systemd RandomizedDelaySec; must leave room before the cutoff (default 10m)'),
    ),
    cutoff: Type.Optional(DurationString('no new container starts when less than this remains of a window (default 30m)')),
  },
  { additionalProperties: false, description: 'maintenance windows and the timer that starts `unrot run`' },
);
export type MaintenancePolicy = Static<typeof MaintenancePolicySchema>;

/** Container-file key: `risk: low` lets a container be updated in the daily quick pass too. */
export const ContainerRiskSchema = Type.Union([Type.Literal('low'), Type.Literal('normal')], {
  description: '`low` also updates this container in `maintenance.quick_pass` windows (default normal)',
});
export type ContainerRisk = Static<typeof ContainerRiskSchema>;
