import { Type } from '@sinclair/typebox';

/**
 * The container selector forms shared by rollout waves and group files (containers/<name>.yml
 * `selectors:`): Proxmox tags, name globs, VMIDs. One shape, one matcher (targets/match-selector.ts).
 * `who` ends each description, e.g. "join this wave".
 */
export function selectorFields(who: string) {
  return {
    tags: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z0-9_][A-Za-z0-9_+.-]*$', maxLength: 128 }), {
        maxItems: 256,
        description: `containers carrying any of these Proxmox tags ${who}`,
      }),
    ),
    names: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        maxItems: 1000,
        description: `containers whose name matches any of these globs (* and ?) ${who}`,
      }),
    ),
    ids: Type.Optional(
      Type.Array(Type.Integer({ minimum: 100, maximum: 999999999 }), { maxItems: 10000, description: `these VMIDs ${who}` }),
    ),
  };
}

/** `selectors:` of a group file: which containers its policy applies to (any form matching is enough). */
export const GroupSelectorsSchema = Type.Object(selectorFields('get the keys of this file'), {
  additionalProperties: false,
  minProperties: 1,
  description:
    'group files only (containers/<name>.yml, name not a VMID): the containers this file applies to; a container matching any tag, name glob or id gets its keys',
});
