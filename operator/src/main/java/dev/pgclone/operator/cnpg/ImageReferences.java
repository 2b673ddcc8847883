package dev.pgclone.operator.cnpg;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The PostgreSQL major an image reference's tag names, as CloudNativePG's images are tagged. */
final class ImageReferences {

    /** The tag starts with the major: {@code 16}, {@code 16.4}, {@code 16.4-bookworm}, {@code 17-standard-trixie}, {@code 18beta1}, {@code 18rc1}. */
    private static final Pattern TAG = Pattern.compile("^(\\d{2,3})(?:$|[.\\-_]|beta|rc)");
    /** CloudNativePG supports no major before 10 (an ImageCatalog refuses one), whose tags (9.6) name the major in two parts. */
    private static final int FIRST_ONE_PART_MAJOR = 10;

    private ImageReferences() {}

    /**
     * The major of {@code registry[:port]/path/name:tag[@digest]}; empty without a tag (a digest alone,
     * {@code latest}, a tag not starting with a major).
     */
    static OptionalInt major(String image) {
        if (image == null || image.isBlank()) {
            return OptionalInt.empty();
        }
        String reference = image.strip();
        int at = reference.indexOf('@');
        if (at >= 0) {
            reference = reference.substring(0, at);
        }
        // a registry's port is before the last '/', a tag after it
        String last = reference.substring(reference.lastIndexOf('/') + 1);
        int colon = last.indexOf(':');
        if (colon < 0) {
            return OptionalInt.empty();
        }
        Matcher m = TAG.matcher(last.substring(colon + 1));
        if (!m.find()) {
            return OptionalInt.empty();
        }
        int major = Integer.parseInt(m.group(1));
        return major >= FIRST_ONE_PART_MAJOR ? OptionalInt.of(major) : OptionalInt.empty();
    }
}
