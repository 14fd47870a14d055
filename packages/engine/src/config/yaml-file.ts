import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { ConfigProblem } from './config-error.js';
import type { KeyPath } from './key-path.js';

/** A parsed YAML file that still knows where every node came from. */
export interface YamlFile {
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** Plain JS value; undefined when the file could not be parsed. */
  value: unknown;
  problems: ConfigProblem[];
}

export function parseYamlFile(file: string, text: string): YamlFile {
  const lineCounter = new LineCounter();
  // YAML 1.2 core schema: `yes`/`no` stay strings, so a typo cannot silently become a boolean.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  const problems: ConfigProblem[] = [];
  let syntaxReported = false;
  for (const err of doc.errors) {
    const pos = lineCounter.linePos(err.pos[0]);
    if (err.code === 'DUPLICATE_KEY') {
      problems.push({
        file,
        line: pos.line,
        column: pos.col,
        path: '',
        message: `duplicate key '${keyAt(text, err.pos[0])}'`,
        expected: 'each key at most once per mapping',
      });
    } else if (!syntaxReported) {
      // Later syntax errors are mostly echoes of the first; one precise message beats five confusing ones.
      syntaxReported = true;
      problems.push({ file, line: pos.line, column: pos.col, path: '', message: `YAML syntax error: ${describeSyntaxError(err.message)}` });
    }
  }
  let value: unknown;
  // Duplicate keys leave a usable document, so its other mistakes can still be reported in the same pass.
  if (doc.errors.every((err) => err.code === 'DUPLICATE_KEY')) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      problems.push({
        file,
        line: 1,
        column: 1,
        path: '',
        message: `YAML could not be read: ${describeSyntaxError((err as Error).message)}`,
      });
    }
  }
  return { file, doc, lineCounter, value, problems };
}

/** The file as a problem site for schemaProblems. */
export function siteOf(src: YamlFile): {
  file: string;
  locate(path: KeyPath, opts?: { key?: boolean }): { line: number; column: number } | undefined;
} {
  return { file: src.file, locate: (path, opts) => locate(src, path, opts) };
}

function keyAt(text: string, offset: number): string {
  const m = /^("[^"\n]*"|'[^'\n]*'|[^:\n]*?)\s*:/.exec(text.slice(offset));
  return (m?.[1] ?? text.slice(offset, offset + 1)).replace(/^["']|["']$/g, '');
}

/**
 * The parser's description without any source text: only its first line (later lines quote the
 * file around the error), cut before the first ": ", where the parser appends what it read (a
 * token, a tag, an alias name: `Unexpected scalar token in YAML stream: "…"`). The file:line:column
 * says where; an error must never print a piece of a file that may hold secrets.
 */
function describeSyntaxError(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.split(': ')[0] ?? first;
}

/** The node at a key path; `key: true` returns the mapping key itself (for unknown-key errors). */
export function nodeAt(src: YamlFile, path: KeyPath, opts: { key?: boolean } = {}): Node | undefined {
  let node: unknown = src.doc.contents;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(src.doc);
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
      if (!pair) return undefined;
      if (opts.key && i === path.length - 1) return pair.key as Node;
      // `key:` with no value has no value node; point at the key then.
      node = pair.value ?? pair.key;
    } else if (isSeq(node)) {
      node = node.items[Number(seg)];
    } else {
      return undefined;
    }
  }
  return (node ?? undefined) as Node | undefined;
}

/** Line/column of the deepest existing node on the path (falls back to the nearest parent). */
export function locate(src: YamlFile, path: KeyPath, opts: { key?: boolean } = {}): { line: number; column: number } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(src, path.slice(0, n), n === path.length ? opts : {});
    if (node?.range) {
      const pos = src.lineCounter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return undefined;
}
