export function rubyEnv(root: string, sources: string[]): Record<string, string>;
export function run(argv: string[], env: Record<string, string>, cwd?: string): Promise<string>;
export interface ProjectGem {
  name: string;
  requirement: string;
  locked: string;
}
export function makeProject(dir: string, sourceUrl: string, gems: ProjectGem[], env: Record<string, string>): Promise<string>;
