package dev.pgclone.operator.rehearsal;

/**
 * Text from the evidence on its way into a report: SQL, error messages, names and plans come from
 * users and from the database, so they may be long, span lines and hold any character, NUL
 * included. Every string the reports write goes through here.
 */
final class Text {

    /** Ends every text that was cut; machines and people see the same marker. */
    static final String TRUNCATED = "[truncated]";

    private Text() {}

    /**
     * At most {@code max} characters of the text, and then the marker; a surrogate pair is never
     * split, and a lone surrogate (not text in any encoding) becomes U+FFFD.
     */
    static String cut(String s, int max, Cuts cuts) {
        if (s == null) {
            return null;
        }
        String clean = wellFormed(s);
        if (clean.length() <= max) {
            return clean;
        }
        cuts.cut();
        int end = max;
        if (end > 0 && Character.isHighSurrogate(clean.charAt(end - 1))) {
            end--;
        }
        return end == 0 ? TRUNCATED : clean.substring(0, end) + " " + TRUNCATED;
    }

    /** Control characters (NUL, ESC, ...) as text, a backslash, u and four hex digits; tabs and line ends stay. */
    static String visible(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) && c != '\n' && c != '\t') {
                escaped(out, c);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** A character as six characters of text: a backslash, u and the four hex digits of its UTF-16 code. */
    static void escaped(StringBuilder out, char c) {
        out.append("\\u");
        for (int shift = 12; shift >= 0; shift -= 4) {
            out.append(Character.forDigit((c >> shift) & 0xF, 16));
        }
    }

    /** The text on one line: line ends and tabs as spaces, other control characters visible. */
    static String oneLine(String s) {
        return visible(s.replace("\r\n", " ").replace('\n', ' ').replace('\t', ' '));
    }

    /** The first line of a text (a statement's first line names it well enough in a list). */
    static String firstLine(String s) {
        String trimmed = s.strip();
        int end = trimmed.indexOf('\n');
        return end < 0 ? trimmed : trimmed.substring(0, end).strip() + " ...";
    }

    private static String wellFormed(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
                if (out != null) {
                    out.append(c).append(s.charAt(i + 1));
                }
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                if (out == null) {
                    out = new StringBuilder(s.length()).append(s, 0, i);
                }
                out.append('\uFFFD');
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }

    /** Whether any text or list of one rendering was cut: the JSON report says so, for machines. */
    static final class Cuts {
        private boolean any;

        void cut() {
            any = true;
        }

        boolean any() {
            return any;
        }
    }
}
