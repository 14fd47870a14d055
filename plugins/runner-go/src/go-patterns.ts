/**
 * Go's module.MatchPrefixPatterns (GOPRIVATE, GONOPROXY, GONOSUMDB): comma-separated globs, each
 * matched with path.Match against the leading path elements of the module path, as many as the
 * glob has. `*` and `?` do not cross a `/`.
 */
function globElementRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < glob.length) out += (glob[++i] ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) return /$^/; // path.Match: malformed pattern matches nothing
      // A class is the same in path.Match and a RegExp ([abc], [^a-z]); backslashes stay escapes.
      out += `[${glob.slice(i + 1, end)}]`;
      i = end;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

export function matchPrefixPatterns(patterns: string, target: string): boolean {
  for (const raw of patterns.split(',')) {
    const glob = raw.trim().replace(/\/+$/, '');
    if (!glob) continue;
    const n = glob.split('/').length;
    const elems = target.split('/');
    if (elems.length < n) continue;
    if (globElementRegExp(glob).test(elems.slice(0, n).join('/'))) return true;
  }
  return false;
}
