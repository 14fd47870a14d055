import type { StatusSpec } from './options.js';

export function statusMatches(status: number, specs: readonly StatusSpec[]): boolean {
  return specs.some((spec) => {
    if (typeof spec === 'number') return status === spec;
    if (spec.endsWith('xx')) return Math.floor(status / 100) === Number(spec[0]);
    const [low, high] = spec.split('-').map(Number) as [number, number];
    return status >= low && status <= high;
  });
}

export function describeSpecs(specs: readonly StatusSpec[]): string {
  return specs.map(String).join(', ');
}
