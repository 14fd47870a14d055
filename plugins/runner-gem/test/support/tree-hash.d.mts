export function treeHash(dir: string): string;
