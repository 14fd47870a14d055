// The public surface of @unrot/sdk: what a plugin author needs, nothing of the engine's own
// (policy schemas live in @unrot/engine). docs/plugin-authoring.md lists these names and what
// counts as a breaking change; every export here is part of the SDK's major version.

// The container a plugin works on.
export { type ContainerInfo, ContainerInfoSchema, type ContainerStatus, ContainerStatusSchema } from './container.js';
// Errors: every failure carries a stable code.
export { ERROR_CODES, type ErrorCode, isUnrotError, toUnrotError, UnrotError } from './errors.js';
// Lifecycle events the engine emits (step names, skip reasons, outcomes).
export {
  type ContainerOutcomeKind,
  LIFECYCLE_STEPS,
  type LifecycleEventName,
  type LifecycleEvents,
  type LifecycleStep,
  type SkipReason,
} from './events.js';
// Running commands inside a container: read vs change, never a shell string.
export { COMMAND_NAME_PATTERN, type CommandKind, type Exec, type ExecOptions, type ExecRecord, type ExecResult } from './exec.js';
// Logging through the engine's logger.
export { type Logger, silentLogger } from './logger.js';
// The Notifier contract.
export { defineNotifier, type Notification, type Notifier, type NotifierContext, type Severity } from './notifier.js';
// Matching a probe's expected output (HTTP body, command output), shared so every probe reads its options alike.
export { compileRegex, type OutputExpectation, outputMismatch } from './output-match.js';
// The Probe contract.
export { defineProbe, type Probe, type ProbeAttempt, ProbeAttemptSchema, type ProbeContext } from './probe.js';
// After apply: what each planned update became, read back once per scope (since 1.1.0).
export { readBackChanges } from './read-back.js';
// What runners return, with the schemas the engine and the contract kit hold them to.
export {
  type ApplyResult,
  ApplyResultSchema,
  type CheckResult,
  CheckResultSchema,
  type DetectResult,
  DetectResultSchema,
  type PlanStep,
  PlanStepSchema,
  type StepOutcome,
  StepOutcomeSchema,
  type Update,
  UpdateSchema,
} from './results.js';
// The Runner contract, the SDK major every plugin declares, and the exclusion glob rule.
export {
  type DeclaredCommand,
  defineRunner,
  globToRegExp,
  isExcluded,
  type OptionsProblem,
  type Runner,
  type RunnerContext,
  SDK_VERSION,
  type SourceEndpoint,
} from './runner.js';
// Package-source endpoints for Runner.sources(), shared so every runner filters alike.
export { isSourceHost, isSourcePort, proxyUrl, redactUrl, urlEndpoint } from './source-endpoint.js';
