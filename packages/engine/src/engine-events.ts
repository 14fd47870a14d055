import type { LifecycleEvents } from '@unrot/sdk';
import { EventEmitter } from 'eventemitter3';

/** Typed lifecycle bus: `events.on('step:start', (e) => …)` with e typed from the SDK. */
export class EngineEvents extends EventEmitter<{ [K in keyof LifecycleEvents]: [LifecycleEvents[K]] }> {}
