// No imports: the in-memory host recognises this exact script (host/memory-host.ts).

/**
 * Writes the hook context (stdin) to a fresh file and prints its path: mktemp makes it 0600 with an
 * unpredictable name (O_EXCL, so no planted link is followed), /run first (root-only), else /tmp.
 * A constant: nothing from the policy or a package name is ever part of it.
 */
export const WRITE_CONTEXT_SCRIPT =
  'umask 077; f=$(mktemp /run/unrot-hook.XXXXXXXXXX 2>/dev/null || mktemp /tmp/unrot-hook.XXXXXXXXXX) || exit 1; ' +
  'cat > "$f" || { rm -f "$f"; exit 1; }; printf "%s\\n" "$f"';

/** What mktemp answers; anything else from the container is refused (its output is untrusted). */
export const CONTEXT_PATH = /^\/(run|tmp)\/unrot-hook\.[A-Za-z0-9]{10}$/;
