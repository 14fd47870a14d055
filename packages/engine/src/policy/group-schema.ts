import { type Static, Type } from '@sinclair/typebox';
import { ContainerPolicySchema } from './policy-schema.js';
import { GroupSelectorsSchema } from './selector-schema.js';

/**
 * A group file, `containers/<name>.yml` with a name that is not a VMID: `selectors:` plus any key a
 * `containers/<CTID>.yml` may hold, applied to every container the selectors match. Spread from
 * ContainerPolicySchema so a key added there is valid in group files too.
 */
export const GroupPolicySchema = Type.Object(
  { selectors: GroupSelectorsSchema, ...ContainerPolicySchema.properties },
  { additionalProperties: false },
);
export type GroupPolicy = Static<typeof GroupPolicySchema>;

/** A group file's name (without .yml): starts with a letter, so it can never be read as a VMID. */
export const GROUP_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
