// One import point for schema helpers used by the engine's own report schemas.
export { type Static, Type } from '@sinclair/typebox';
export { ContainerStatusSchema, type ErrorCode, UpdateSchema } from '@unrot/sdk';
